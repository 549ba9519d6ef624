//! A 270 read into the typed request the gateway routes and the sandbox answers: envelope IDs,
//! payer (2100A), provider (2100B), subscriber (2000C/2100C/2110C) and dependent (2000D/2100D/2110D).
//! Reading is lenient (the validator is strict); it fails only when there is no request to route.

use super::issue::{Issue, Rejected};
use crate::x12::{Delimiters, Reader, Segment};

/// The envelope identifiers of a 270.
#[derive(Debug, Clone, Default)]
pub struct Envelope<'a> {
    /// ISA05/ISA06.
    pub sender: (&'a str, &'a str),
    /// ISA07/ISA08.
    pub receiver: (&'a str, &'a str),
    /// ISA13.
    pub control_number: &'a str,
    /// ISA15, `P` or `T`.
    pub usage: &'a str,
    /// GS02.
    pub group_sender: &'a str,
    /// GS03.
    pub group_receiver: &'a str,
    /// GS06.
    pub group_control_number: &'a str,
    /// ST02.
    pub transaction_control_number: &'a str,
    /// BHT03, the submitter's reference (trace) for the whole request.
    pub reference: Option<&'a str>,
}

/// An NM1 with the segments that describe it.
#[derive(Debug, Clone, Default)]
pub struct Party<'a> {
    /// NM101.
    pub entity: &'a str,
    /// NM102.
    pub entity_type: Option<&'a str>,
    /// NM103: organisation or last name.
    pub name: Option<&'a str>,
    /// NM104.
    pub first_name: Option<&'a str>,
    /// NM105.
    pub middle_name: Option<&'a str>,
    /// NM107.
    pub suffix: Option<&'a str>,
    /// NM108.
    pub id_qualifier: Option<&'a str>,
    /// NM109.
    pub id: Option<&'a str>,
    /// REF01/REF02 pairs.
    pub refs: Vec<(&'a str, &'a str)>,
    /// N3/N4 elements: address1, address2, city, state, postal code.
    pub address: [Option<&'a str>; 5],
    /// PRV01, PRV02, PRV03.
    pub prv: Option<(&'a str, Option<&'a str>, Option<&'a str>)>,
}

/// TRN.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trace<'a> {
    /// TRN01.
    pub kind: &'a str,
    /// TRN02.
    pub reference: Option<&'a str>,
    /// TRN03.
    pub originator: Option<&'a str>,
    /// TRN04.
    pub secondary: Option<&'a str>,
}

/// A subscriber or dependent.
#[derive(Debug, Clone, Default)]
pub struct Member<'a> {
    /// HL01.
    pub hl_id: &'a str,
    /// NM1 and its descriptive segments.
    pub party: Party<'a>,
    /// TRN in 2000C/2000D.
    pub traces: Vec<Trace<'a>>,
    /// DMG02.
    pub birth_date: Option<&'a str>,
    /// DMG03.
    pub gender: Option<&'a str>,
    /// INS01, INS02 (dependent relationship).
    pub ins: Option<(&'a str, Option<&'a str>)>,
    /// DTP01, DTP02, DTP03 of 2100C/D and 2110C/D.
    pub dates: Vec<(&'a str, &'a str, &'a str)>,
    /// Every EQ01 repeat, in order.
    pub service_types: Vec<&'a str>,
}

/// A 270 as the gateway needs it.
#[derive(Debug, Clone, Default)]
pub struct Inquiry<'a> {
    /// Delimiters of the request.
    pub delimiters: Option<Delimiters>,
    /// Envelope identifiers.
    pub envelope: Envelope<'a>,
    /// 2100A.
    pub payer: Party<'a>,
    /// 2100B.
    pub provider: Party<'a>,
    /// 2000C/2100C.
    pub subscriber: Member<'a>,
    /// 2000D/2100D when the patient is a dependent.
    pub dependent: Option<Member<'a>>,
}

impl<'a> Inquiry<'a> {
    /// The payer ID the request is routed by (2100A NM109).
    pub fn payer_id(&self) -> Option<&'a str> {
        self.payer.id
    }

    /// The patient: the dependent when there is one, else the subscriber.
    pub fn patient(&self) -> &Member<'a> {
        self.dependent.as_ref().unwrap_or(&self.subscriber)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    None,
    Source,
    Receiver,
    Subscriber,
    Dependent,
}

/// Reads the first transaction set of `text`. Real-time requests carry one patient; more than one
/// subscriber or dependent is rejected, as is a request without payer ID or subscriber.
pub fn read(text: &str) -> Result<Inquiry<'_>, Rejected> {
    let reader = Reader::new(text).map_err(|e| Issue::from_parse(&e))?;
    let mut q = Inquiry {
        delimiters: Some(reader.delimiters()),
        ..Inquiry::default()
    };
    let mut issues = Vec::new();
    let mut level = Level::None;
    let mut st_index = 0u32;
    let mut transactions = 0u32;
    let mut seen = [false; 5]; // 2000A, 2000B, 2000C, 2000D, 2100A NM1
    let mut subscribers = 0u32;
    let mut dependents = 0u32;
    for seg in reader {
        let seg = match seg {
            Ok(s) => s,
            Err(e) => {
                issues.push(Issue::from_parse(&e));
                continue;
            }
        };
        let pos = seg.index.saturating_sub(st_index) + 1;
        match seg.tag {
            "ISA" => {
                q.envelope.sender = (
                    seg.element(5).unwrap_or(""),
                    seg.element(6).unwrap_or("").trim_end(),
                );
                q.envelope.receiver = (
                    seg.element(7).unwrap_or(""),
                    seg.element(8).unwrap_or("").trim_end(),
                );
                q.envelope.control_number = seg.element(13).unwrap_or("");
                q.envelope.usage = seg.element(15).unwrap_or("");
            }
            "GS" => {
                q.envelope.group_sender = seg.element(2).unwrap_or("");
                q.envelope.group_receiver = seg.element(3).unwrap_or("");
                q.envelope.group_control_number = seg.element(6).unwrap_or("");
            }
            "ST" => {
                transactions += 1;
                if transactions > 1 {
                    break;
                }
                st_index = seg.index;
                q.envelope.transaction_control_number = seg.element(2).unwrap_or("");
                if seg.element(1) != Some("270") {
                    issues.push(
                        Issue::new(
                            "not_a_270",
                            "Transaction set header",
                            "ST01 must be `270`: this is not an eligibility inquiry.",
                        )
                        .at_segment("ST", 1, seg.offset)
                        .at_element(1, seg.element_offset(1))
                        .resolution("Send a 005010X279A1 270 eligibility inquiry.")
                        .x12_code("7"),
                    );
                }
            }
            "BHT" => q.envelope.reference = seg.element(3),
            "HL" => {
                level = hl_level(&mut q, &mut issues, &seg, pos);
                match level {
                    Level::Subscriber => subscribers += 1,
                    Level::Dependent => dependents += 1,
                    _ => {}
                }
                if let Some(s) = level_index(level).and_then(|i| seen.get_mut(i)) {
                    *s = true;
                }
            }
            "SE" | "GE" | "IEA" => {}
            _ => {
                if level == Level::Source
                    && seg.tag == "NM1"
                    && let Some(s) = seen.get_mut(4)
                {
                    *s = true;
                }
                take(&mut q, level, &seg);
            }
        }
    }
    check_shape(&mut issues, &q, transactions, seen, subscribers, dependents);
    if issues.is_empty() {
        Ok(q)
    } else {
        Err(Rejected { issues })
    }
}

/// Whole-request checks once every segment was read.
fn check_shape(
    issues: &mut Vec<Issue>,
    q: &Inquiry<'_>,
    transactions: u32,
    seen: [bool; 5],
    subscribers: u32,
    dependents: u32,
) {
    if transactions == 0 {
        issues.push(
            Issue::new(
                "transaction_missing",
                "Transaction set header",
                "The interchange has no ST transaction set.",
            )
            .resolution("Wrap the 270 in ST/SE inside a GS/GE functional group.")
            .x12_code("6"),
        );
    } else {
        require(
            issues,
            seen.first() == Some(&true),
            "Loop 2000A",
            "information source level (HL03 = 20)",
        );
        require(
            issues,
            seen.get(1) == Some(&true),
            "Loop 2000B",
            "information receiver level (HL03 = 21)",
        );
        require(
            issues,
            seen.get(2) == Some(&true),
            "Loop 2000C",
            "subscriber level (HL03 = 22)",
        );
        if seen.get(4) == Some(&true) && q.payer.id.is_none() {
            issues.push(
                Issue::new("payer_id_missing", "Loop 2100A", "NM109 in loop 2100A (the payer ID) is missing.")
                    .resolution("Put the payer ID in 2100A NM109 with NM108 = PI (or the qualifier your payer uses).")
                    .x12_code("1"),
            );
        }
        if subscribers > 1 || dependents > 1 {
            issues.push(
                Issue::new(
                    "one_patient_per_request",
                    if dependents > 1 { "Loop 2000D" } else { "Loop 2000C" },
                    "A real-time 270 carries one patient: one subscriber, and at most one dependent.",
                )
                .resolution("Send one request per patient.")
                .x12_code("4"),
            );
        }
    }
    if transactions > 1 {
        issues.push(
            Issue::new(
                "one_transaction_per_request",
                "Transaction set header",
                "A real-time request carries one ST/SE transaction set.",
            )
            .resolution("Send one request per transaction set.")
            .x12_code("4"),
        );
    }
}

/// The level an HL opens (and the member it starts).
fn hl_level<'a>(
    q: &mut Inquiry<'a>,
    issues: &mut Vec<Issue>,
    seg: &Segment<'a>,
    pos: u32,
) -> Level {
    match seg.element(3) {
        Some("20") => Level::Source,
        Some("21") => Level::Receiver,
        Some("22") => {
            q.subscriber.hl_id = seg.element(1).unwrap_or("");
            Level::Subscriber
        }
        Some("23") => {
            q.dependent = Some(Member {
                hl_id: seg.element(1).unwrap_or(""),
                ..Member::default()
            });
            Level::Dependent
        }
        _ => {
            issues.push(
                Issue::new(
                    "hl_level_code",
                    "Loop 2000",
                    "HL03 must be 20, 21, 22 or 23.",
                )
                .at_segment("HL", pos, seg.offset)
                .at_element(3, seg.element_offset(3))
                .resolution(
                    "Use HL03 20 (payer), 21 (provider), 22 (subscriber) or 23 (dependent).",
                )
                .x12_code("7"),
            );
            Level::None
        }
    }
}

fn level_index(level: Level) -> Option<usize> {
    match level {
        Level::Source => Some(0),
        Level::Receiver => Some(1),
        Level::Subscriber => Some(2),
        Level::Dependent => Some(3),
        Level::None => None,
    }
}

fn require(issues: &mut Vec<Issue>, present: bool, location: &str, what: &str) {
    if !present {
        issues.push(
            Issue::new(
                "loop_missing",
                location,
                format!("The 270 has no {what}; {location} is required."),
            )
            .resolution(format!("Add {location} with its HL and NM1 segments."))
            .x12_code("I7"),
        );
    }
}

fn take<'a>(q: &mut Inquiry<'a>, level: Level, seg: &Segment<'a>) {
    match level {
        Level::Source => party_segment(&mut q.payer, seg),
        Level::Receiver => party_segment(&mut q.provider, seg),
        Level::Subscriber => member_segment(&mut q.subscriber, seg),
        Level::Dependent => {
            if let Some(d) = q.dependent.as_mut() {
                member_segment(d, seg);
            }
        }
        Level::None => {}
    }
}

fn party_segment<'a>(p: &mut Party<'a>, seg: &Segment<'a>) {
    match seg.tag {
        "NM1" => {
            p.entity = seg.element(1).unwrap_or("");
            p.entity_type = seg.element(2);
            p.name = seg.element(3);
            p.first_name = seg.element(4);
            p.middle_name = seg.element(5);
            p.suffix = seg.element(7);
            p.id_qualifier = seg.element(8);
            p.id = seg.element(9);
        }
        "REF" => {
            if let (Some(q), Some(v)) = (seg.element(1), seg.element(2)) {
                p.refs.push((q, v));
            }
        }
        "N3" => {
            p.address[0] = seg.element(1);
            p.address[1] = seg.element(2);
        }
        "N4" => {
            p.address[2] = seg.element(1);
            p.address[3] = seg.element(2);
            p.address[4] = seg.element(3);
        }
        "PRV" => p.prv = seg.element(1).map(|c| (c, seg.element(2), seg.element(3))),
        _ => {}
    }
}

fn member_segment<'a>(m: &mut Member<'a>, seg: &Segment<'a>) {
    match seg.tag {
        "TRN" => m.traces.push(Trace {
            kind: seg.element(1).unwrap_or(""),
            reference: seg.element(2),
            originator: seg.element(3),
            secondary: seg.element(4),
        }),
        "DMG" => {
            m.birth_date = seg.element(2);
            m.gender = seg.element(3);
        }
        "INS" => m.ins = seg.element(1).map(|c| (c, seg.element(2))),
        "DTP" => {
            if let (Some(q), Some(f), Some(v)) = (seg.element(1), seg.element(2), seg.element(3)) {
                m.dates.push((q, f, v));
            }
        }
        "EQ" => m.service_types.extend(seg.repeats(1)),
        _ => party_segment(&mut m.party, seg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUBSCRIBER: &str = include_str!(
        "../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi"
    );
    const DEPENDENT: &str = include_str!(
        "../../tests/fixtures/x12/LinuxForHealth-x12/dependent-health-benefit-check.270"
    );
    const BATCH: &str = include_str!(
        "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/270_batch_multi.x12"
    );
    const CUSTOM: &str = include_str!(
        "../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/270_custom_delimiters.x12"
    );

    #[test]
    fn reads_a_subscriber_inquiry() {
        let q = read(SUBSCRIBER).unwrap();
        assert_eq!(q.envelope.control_number, "000010216");
        assert_eq!(q.envelope.transaction_control_number, "1234");
        assert_eq!(q.envelope.reference, Some("10001234"));
        assert_eq!(q.payer_id(), Some("842610001"));
        assert_eq!(q.payer.name, Some("ABC COMPANY"));
        assert_eq!(
            (q.provider.id_qualifier, q.provider.id),
            (Some("SV"), Some("2000035"))
        );
        assert_eq!(q.subscriber.party.name, Some("SMITH"));
        assert_eq!(q.subscriber.party.first_name, Some("ROBERT"));
        assert_eq!(q.subscriber.party.id, Some("11122333301"));
        assert_eq!(q.subscriber.birth_date, Some("19430519"));
        assert_eq!(q.subscriber.traces[0].reference, Some("93175-012547"));
        assert_eq!(q.subscriber.service_types, ["30"]);
        assert_eq!(q.subscriber.dates, [("291", "D8", "20060501")]);
        assert!(q.dependent.is_none());
    }

    #[test]
    fn reads_a_dependent_inquiry() {
        let q = read(DEPENDENT).unwrap();
        let d = q.dependent.as_ref().unwrap();
        assert_eq!(d.party.name, Some("SMITH"));
        assert_eq!(d.party.first_name, Some("MARY"));
        assert_eq!(d.birth_date, Some("19781014"));
        assert_eq!(q.subscriber.party.id, Some("11122333301"));
        assert_eq!(q.patient().party.first_name, Some("MARY"));
    }

    #[test]
    fn reads_custom_delimiters() {
        let q = read(CUSTOM).unwrap();
        assert_eq!(q.payer_id(), Some("DCMEDICAID"));
        assert_eq!(q.subscriber.party.first_name, Some("CUSTOM"));
    }

    #[test]
    fn a_batch_is_not_a_real_time_request() {
        let e = read(BATCH).unwrap_err();
        assert_eq!(e.issues.len(), 1);
        assert_eq!(e.issues[0].rule, "one_transaction_per_request");
    }

    #[test]
    fn missing_levels_are_all_reported() {
        let text = SUBSCRIBER.replace("HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*SMITH*ROBERT****MI*11122333301~DMG*D8*19430519~DTP*291*D8*20060501~EQ*30~", "");
        let text = text.replace(
            "NM1*PR*2*ABC COMPANY*****PI*842610001",
            "NM1*PR*2*ABC COMPANY",
        );
        let e = read(&text).unwrap_err();
        let rules: Vec<_> = e.issues.iter().map(|i| i.rule).collect();
        assert_eq!(rules, ["loop_missing", "payer_id_missing"]);
        assert_eq!(e.issues[0].location, "Loop 2000C");
    }

    #[test]
    fn garbage_is_rejected_with_a_position() {
        let e = read("hello").unwrap_err();
        assert_eq!(e.issues[0].rule, "isa_missing");
        assert_eq!(e.issues[0].byte_offset, Some(0));
    }
}
