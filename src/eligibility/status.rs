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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    let mut c = Classifier::default();
    for segment in reader {
        let Ok(s) = segment else { break };
        c.see(s.tag, |n| s.element(n));
    }
    c.status()
}

/// [`classify`] a segment at a time, for a walk that reads the 271 anyway (the 271 mapper): the
/// record of an exchange then needs no second pass over it.
#[derive(Debug)]
pub struct Classifier<'a> {
    /// HL03 of the current level; `None` once an unreadable segment ended the classification
    /// (as it ends [`classify`]'s reading).
    level: Option<&'a str>,
    active: bool,
    inactive: bool,
    non_covered: bool,
    aaa: Option<Status>,
}

impl Default for Classifier<'_> {
    fn default() -> Self {
        Self {
            level: Some(""),
            active: false,
            inactive: false,
            non_covered: false,
            aaa: None,
        }
    }
}

impl<'a> Classifier<'a> {
    /// Notes one segment: its tag and a reader of its elements.
    pub fn see(&mut self, tag: &str, element: impl Fn(usize) -> Option<&'a str>) {
        let Some(level) = self.level else { return };
        match tag {
            "HL" => self.level = Some(element(3).unwrap_or("")),
            "EB" => match element(1).unwrap_or("") {
                "1" | "2" | "3" | "4" | "5" => self.active = true,
                "6" | "7" | "8" => self.inactive = true,
                "I" => self.non_covered = true,
                _ => {}
            },
            "AAA" => {
                let code = element(3).unwrap_or("");
                let found = match (level, code) {
                    (_, "42" | "80") => Status::PayerUnavailable,
                    ("20", "79" | "T4") => Status::PayerNotInSystem,
                    ("22" | "23", "58" | "64" | "65" | "67" | "71" | "72" | "73" | "75") => {
                        Status::PatientUnknown
                    }
                    _ => Status::ProcessingError,
                };
                self.aaa.get_or_insert(found);
            }
            _ => {}
        }
    }

    /// Stops at an unreadable segment.
    pub fn stop(&mut self) {
        self.level = None;
    }

    /// The status of what was seen.
    pub fn status(&self) -> Status {
        if self.active {
            Status::Eligible
        } else if let Some(s) = self.aaa {
            s
        } else if self.inactive {
            Status::Ineligible
        } else if self.non_covered {
            Status::PatientUnknown
        } else {
            Status::ProcessingError
        }
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
            let ctx = crate::eligibility::map271::Context::default();
            let (_, status) = crate::eligibility::map271::map_classified(&doc(body), &ctx).unwrap();
            assert_eq!(status, want, "{why}, classified while mapping");
        }
        assert_eq!(classify("not x12"), Status::ProcessingError);
    }

    /// The mapper's pass classifies every public 271 as the standalone reading does.
    #[test]
    fn classifying_while_mapping_agrees_with_classify_on_public_271s() {
        let fixtures = [
            include_str!(
                "../../tests/fixtures/x12/irobayna-stupidedi/271-X279-response-subscriber.edi"
            ),
            include_str!(
                "../../tests/fixtures/x12/irobayna-stupidedi/271-X279-response-dependent.edi"
            ),
            include_str!(
                "../../tests/fixtures/x12/irobayna-stupidedi/271-X279A1-error-not-eligible-for-inquiries.edi"
            ),
            include_str!("../../tests/fixtures/x12/imsweb-x12-parser/x271.txt"),
            include_str!(
                "../../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check.271"
            ),
            include_str!(
                "../../tests/fixtures/x12/LinuxForHealth-x12/dependent-health-benefit-check.271"
            ),
            include_str!(
                "../../tests/fixtures/x12/LinuxForHealth-x12/subscriber-health-benefit-check-error.271"
            ),
            include_str!(
                "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_active_response.x12"
            ),
            include_str!(
                "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_multiple_eb_segments.x12"
            ),
            include_str!(
                "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_ls_le_wrapper.x12"
            ),
            include_str!(
                "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_rejected_subscriber.x12"
            ),
            include_str!(
                "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/gainwell_271_redacted.edi"
            ),
        ];
        let ctx = crate::eligibility::map271::Context::default();
        let mut seen = std::collections::HashSet::new();
        for (i, x12) in fixtures.iter().enumerate() {
            let (_, status) = crate::eligibility::map271::map_classified(x12, &ctx).unwrap();
            assert_eq!(status, classify(x12), "fixture {i}");
            seen.insert(status);
        }
        assert!(
            seen.len() >= 2,
            "the fixtures cover more than one status: {seen:?}"
        );
    }

    #[test]
    fn values_parse_back() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
