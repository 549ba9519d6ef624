//! The canonical `status.value` of a transaction (Optum Enhanced Eligibility), from the 271 the
//! payer answered. Optum publishes the six values, not the rules; ours, documented in the README:
//! active coverage (EB01 `1`–`5`) anywhere is `eligible`; else a payer-level AAA `42`/`80` is
//! `payer_unavailable`, `79`/`T4` is `payer_not_in_system`; a subscriber- or dependent-level
//! AAA naming the patient or their identity (`58`, `64`, `65`, `67`, `71`–`73`, `75`) is
//! `patient_unknown`, `42` there too is `payer_unavailable`; inactive coverage (EB01 `6`–`8`) is
//! `ineligible`; a lone non-covered EB01 `I` is `patient_unknown` (as Optum's example); anything
//! else is `processing_error`.

use crate::x12::Reader;

/// The six values of `status.value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Active coverage.
    Eligible,
    /// Coverage, but not active.
    Ineligible,
    /// The payer does not know the patient.
    PatientUnknown,
    /// The payer did not answer.
    PayerUnavailable,
    /// The payer is not known.
    PayerNotInSystem,
    /// Anything else: validation, the gateway, an unreadable answer.
    ProcessingError,
}

impl Status {
    /// Every value.
    pub const ALL: [Self; 6] = [
        Self::Eligible,
        Self::Ineligible,
        Self::PatientUnknown,
        Self::PayerUnavailable,
        Self::PayerNotInSystem,
        Self::ProcessingError,
    ];

    /// As `status.value` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Ineligible => "ineligible",
            Self::PatientUnknown => "patient_unknown",
            Self::PayerUnavailable => "payer_unavailable",
            Self::PayerNotInSystem => "payer_not_in_system",
            Self::ProcessingError => "processing_error",
        }
    }

    /// The value spelled `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// `status.description`.
    pub fn description(self) -> &'static str {
        match self {
            Self::Eligible => "Eligible with insurance",
            Self::Ineligible => "Coverage not active",
            Self::PatientUnknown => "Patient not found by the payer",
            Self::PayerUnavailable => "Payer unavailable",
            Self::PayerNotInSystem => "Payer not in system",
            Self::ProcessingError => "Processing error",
        }
    }
}

/// Classifies a 271 (see the module doc for the rules).
pub fn classify(x12_271: &str) -> Status {
    let Ok(reader) = Reader::new(x12_271) else {
        return Status::ProcessingError;
    };
    let (mut active, mut inactive, mut non_covered) = (false, false, false);
    let mut level = "";
    let mut aaa: Option<Status> = None;
    for segment in reader {
        let Ok(s) = segment else { break };
        match s.tag {
            "HL" => level = s.element(3).unwrap_or(""),
            "EB" => match s.element(1).unwrap_or("") {
                "1" | "2" | "3" | "4" | "5" => active = true,
                "6" | "7" | "8" => inactive = true,
                "I" => non_covered = true,
                _ => {}
            },
            "AAA" => {
                let code = s.element(3).unwrap_or("");
                let found = match (level, code) {
                    (_, "42" | "80") => Status::PayerUnavailable,
                    ("20", "79" | "T4") => Status::PayerNotInSystem,
                    ("22" | "23", "58" | "64" | "65" | "67" | "71" | "72" | "73" | "75") => {
                        Status::PatientUnknown
                    }
                    _ => Status::ProcessingError,
                };
                aaa.get_or_insert(found);
            }
            _ => {}
        }
    }
    if active {
        Status::Eligible
    } else if let Some(s) = aaa {
        s
    } else if inactive {
        Status::Ineligible
    } else if non_covered {
        Status::PatientUnknown
    } else {
        Status::ProcessingError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> String {
        format!(
            "ISA*00*          *00*          *ZZ*PAYER          *ZZ*GATEWAY        *240101*1200*^*00501*000000001*0*T*:~\
             GS*HB*P*G*20240101*1200*1*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*1*20240101*1200~\
             HL*1**20*1~NM1*PR*2*P*****PI*1~{body}SE*3*0001~GE*1*1~IEA*1*000000001~"
        )
    }

    #[test]
    fn each_rule_gives_its_status() {
        let cases = [
            (
                "active coverage",
                "HL*2*1*21*1~HL*3*2*22*0~EB*1**30~",
                Status::Eligible,
            ),
            (
                "inactive",
                "HL*2*1*21*1~HL*3*2*22*0~EB*6**30~",
                Status::Ineligible,
            ),
            (
                "non-covered only",
                "HL*2*1*21*1~HL*3*2*22*0~EB*I**30~",
                Status::PatientUnknown,
            ),
            ("payer down", "AAA*Y**42*R~", Status::PayerUnavailable),
            ("payer unknown", "AAA*N**79*C~", Status::PayerNotInSystem),
            (
                "subscriber not found",
                "HL*2*1*21*1~HL*3*2*22*0~AAA*N**75*C~",
                Status::PatientUnknown,
            ),
            (
                "provider problem",
                "HL*2*1*21*1~AAA*N**43*C~",
                Status::ProcessingError,
            ),
            ("nothing", "", Status::ProcessingError),
        ];
        for (why, body, want) in cases {
            assert_eq!(classify(&doc(body)), want, "{why}");
        }
        assert_eq!(classify("not x12"), Status::ProcessingError);
    }

    #[test]
    fn values_parse_back() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
