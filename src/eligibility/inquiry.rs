//! A 270 read into the typed request the gateway routes and the sandbox answers: envelope IDs,
//! payer (2100A), provider (2100B), subscriber (2000C/2100C/2110C) and dependent (2000D/2100D/2110D).
//! The validator is the one judge of a 270 (`validate::check`); this only reads what it accepted.

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

/// Reads the first transaction set of a 270 the validator accepted (`validate::Outcome::inquiry`).
/// It checks nothing: every rule, and its message, lives in the validator. Text the validator
/// refused reads as far as it goes (absent parts stay empty); it never panics.
pub fn read(text: &str) -> Inquiry<'_> {
    let Ok(reader) = Reader::new(text) else {
        return Inquiry::default();
    };
    let mut q = Inquiry {
        delimiters: Some(reader.delimiters()),
        ..Inquiry::default()
    };
    let mut level = Level::None;
    let mut transactions = 0u32;
    for seg in reader.flatten() {
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
                q.envelope.transaction_control_number = seg.element(2).unwrap_or("");
            }
            "BHT" => q.envelope.reference = seg.element(3),
            "HL" => level = hl_level(&mut q, &seg),
            "SE" | "GE" | "IEA" => {}
            _ => take(&mut q, level, &seg),
        }
    }
    q
}

/// The level an HL opens (and the member it starts).
fn hl_level<'a>(q: &mut Inquiry<'a>, seg: &Segment<'a>) -> Level {
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
        _ => Level::None,
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
        let q = read(SUBSCRIBER);
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
        let q = read(DEPENDENT);
        let d = q.dependent.as_ref().unwrap();
        assert_eq!(d.party.name, Some("SMITH"));
        assert_eq!(d.party.first_name, Some("MARY"));
        assert_eq!(d.birth_date, Some("19781014"));
        assert_eq!(q.subscriber.party.id, Some("11122333301"));
        assert_eq!(q.patient().party.first_name, Some("MARY"));
    }

    #[test]
    fn reads_custom_delimiters() {
        let q = read(CUSTOM);
        assert_eq!(q.payer_id(), Some("DCMEDICAID"));
        assert_eq!(q.subscriber.party.first_name, Some("CUSTOM"));
    }

    #[test]
    fn a_batch_reads_its_first_transaction_set() {
        let q = read(BATCH);
        assert_eq!(q.envelope.transaction_control_number, "0001");
        assert_eq!(q.payer_id(), Some("DCMEDICAID"));
    }

    #[test]
    fn text_without_an_interchange_reads_as_an_empty_inquiry() {
        for text in ["hello", "", "ISA*00"] {
            let q = read(text);
            assert_eq!(q.payer_id(), None, "{text:?}");
            assert_eq!(q.subscriber.party.id, None, "{text:?}");
        }
    }
}
