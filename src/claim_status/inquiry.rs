//! What a 276 asks, read without checking: the payer (2100A NM109, the routing key), the
//! providers, the subscriber and dependent, the claim trace numbers and the envelope's control
//! numbers. Like the 270's `inquiry::read`, it checks nothing (the validator does) and never
//! panics: absent parts stay `None`.

use crate::x12::{Reader, Segment};

/// What a 276 asks; every value may be absent. Borrowed from the 276 text.
#[derive(Debug, Default, Clone)]
pub struct StatusInquiry<'a> {
    /// 2100A NM109 (`tradingPartnerServiceId`): the payer ID requests are routed by.
    pub payer_id: Option<&'a str>,
    /// 2100B organisation or last name and its ID (ETIN or tax ID).
    pub billing_provider: (Option<&'a str>, Option<&'a str>),
    /// 2100C organisation name and NPI.
    pub service_provider: (Option<&'a str>, Option<&'a str>),
    /// 2100D member ID, first name, last name.
    pub subscriber: (Option<&'a str>, Option<&'a str>, Option<&'a str>),
    /// 2100E first and last name, when the patient is a dependent.
    pub dependent: Option<(Option<&'a str>, Option<&'a str>)>,
    /// The first 2200D/E TRN02 (the claim's trace number).
    pub tracking_number: Option<&'a str>,
    /// Every 2200D/E TRN02, in order (to pick the matching patient in a 277).
    pub traces: Vec<&'a str>,
    /// BHT03, the submitter's reference, echoed in the 277's BHT03.
    pub reference: Option<&'a str>,
    /// ISA15 (`P` or `T`).
    pub usage: Option<&'a str>,
    /// ISA13.
    pub control_number: Option<&'a str>,
    /// GS06.
    pub group_control_number: Option<&'a str>,
    /// ST02.
    pub transaction_control_number: Option<&'a str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    None,
    Payer,
    Receiver,
    Provider,
    Subscriber,
    Dependent,
}

/// Reads the first transaction set of `text`; a second one ends the reading.
pub fn read(text: &str) -> StatusInquiry<'_> {
    let Ok(reader) = Reader::new(text) else {
        return StatusInquiry::default();
    };
    let mut q = StatusInquiry::default();
    let mut level = Level::None;
    let mut transactions = 0u32;
    for seg in reader.map_while(Result::ok) {
        match seg.tag {
            "ISA" => {
                q.control_number = seg.element(13);
                q.usage = seg.element(15);
            }
            "GS" => q.group_control_number = seg.element(6),
            "ST" => {
                transactions += 1;
                if transactions > 1 {
                    break;
                }
                q.transaction_control_number = seg.element(2);
            }
            "BHT" => q.reference = seg.element(3),
            "HL" => {
                level = match seg.element(3) {
                    Some("20") => Level::Payer,
                    Some("21") => Level::Receiver,
                    Some("19") => Level::Provider,
                    Some("22") => Level::Subscriber,
                    Some("23") => {
                        q.dependent = Some((None, None));
                        Level::Dependent
                    }
                    _ => Level::None,
                };
            }
            "NM1" => name(&mut q, level, &seg),
            "TRN" if matches!(level, Level::Subscriber | Level::Dependent) => {
                if let Some(t) = seg.element(2) {
                    q.tracking_number.get_or_insert(t);
                    q.traces.push(t);
                }
            }
            _ => {}
        }
    }
    q
}

/// An NM1 in the loop `level` opened (the first of each loop counts).
fn name<'a>(q: &mut StatusInquiry<'a>, level: Level, seg: &Segment<'a>) {
    let (last, first, id) = (seg.element(3), seg.element(4), seg.element(9));
    match (level, seg.element(1)) {
        (Level::Payer, Some("PR")) if q.payer_id.is_none() => q.payer_id = id,
        (Level::Receiver, Some("41")) => q.billing_provider = (last, id),
        (Level::Provider, Some("1P")) => q.service_provider = (last, id),
        (Level::Subscriber, Some("IL")) => q.subscriber = (id, first, last),
        (Level::Dependent, Some("QC")) => q.dependent = Some((first, last)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPENDENT_276: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *200101*1200*^*00501*000000017*0*T*:~\
GS*HR*SUBMITTER*RECEIVER*20200101*1200*17*X*005010X212~ST*276*0001*005010X212~BHT*0010*13*REF1*20200101*1200~\
HL*1**20*1~NM1*PR*2*ACME*****PI*00540~HL*2*1*21*1~NM1*41*2*TestProvider*****46*0123456789~\
HL*3*2*19*1~NM1*1P*2*happy doctors group*****XX*1760854442~HL*4*3*22*1~NM1*IL*1*doeone*johnone****MI*0000000000~\
HL*5*4*23~DMG*D8*18800101*F~NM1*QC*1*doeone*janeone~TRN*1*ABCD~REF*6P*0000000000~DTP*472*RD8*20100101-20100102~\
SE*17*0001~GE*1*17~IEA*1*000000017~";

    #[test]
    fn reads_who_and_what_a_276_asks() {
        let q = read(DEPENDENT_276);
        assert_eq!(q.payer_id, Some("00540"));
        assert_eq!(
            q.billing_provider,
            (Some("TestProvider"), Some("0123456789"))
        );
        assert_eq!(
            q.service_provider,
            (Some("happy doctors group"), Some("1760854442"))
        );
        assert_eq!(
            q.subscriber,
            (Some("0000000000"), Some("johnone"), Some("doeone"))
        );
        assert_eq!(q.dependent, Some((Some("janeone"), Some("doeone"))));
        assert_eq!(q.tracking_number, Some("ABCD"));
        assert_eq!(q.traces, ["ABCD"]);
        assert_eq!(q.reference, Some("REF1"));
        assert_eq!(q.usage, Some("T"));
        assert_eq!(q.control_number, Some("000000017"));
        assert_eq!(q.group_control_number, Some("17"));
        assert_eq!(q.transaction_control_number, Some("0001"));
    }

    #[test]
    fn unreadable_or_truncated_text_reads_as_far_as_it_goes() {
        assert!(read("").payer_id.is_none());
        assert!(read("not x12").subscriber.0.is_none());
        let cut = &DEPENDENT_276[..DEPENDENT_276.find("HL*2").unwrap()];
        assert_eq!(read(cut).payer_id, Some("00540"));
    }
}
