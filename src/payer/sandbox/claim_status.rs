//! The sandbox's claim status answers: canned 277s for the Change claim status sandbox's members
//! (`claim-status.md` §5), built with our X12 writer so they are structurally valid by
//! construction, and mapped by the same 277 mapper as any payer's. The claim status routes read
//! the 276 into a [`ClaimStatusQuery`] and the sandbox connector answers it here.
//!
//! What the stored Change pages show is the first canned claim (F1:65:1E, paid 219 of 1229, check
//! 1111111, service date 20160722, payer claim number AAAAAAAAAAA1) and that a second claim with
//! category F3 follows; that page is cut off there, so the second claim's status code (`1`, "see
//! remittance advice"), amounts and dates are ours.

use std::borrow::Cow;

use super::reply::clean;
use crate::x12::date::Stamp;
use crate::x12::{Delimiters, Writer, pad_right};

/// The sandbox subscriber's member ID, first and last name (Change's predefined values).
pub const SUBSCRIBER: (&str, &str, &str) = ("0000000000", "johnone", "doeone");
/// The sandbox dependent's first and last name.
pub const DEPENDENT: (&str, &str) = ("janeone", "doeone");
/// Payer name the sandbox answers with (Change's canned `organizationName`).
const PAYER_NAME: &str = "Unknown";
/// The tracking number when the request sent none (Change's docs show a generated UUID; ours is
/// fixed so answers are reproducible).
const DEFAULT_TRACE: &str = "000000001";

/// What a 276 asks the sandbox (`claim_status::inquiry::read`).
pub use crate::claim_status::StatusInquiry as ClaimStatusQuery;

/// Which canned answer a query gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimStatusScenario {
    /// The sandbox subscriber: a paid claim (F1:65) and a finalized/revised one (F3).
    SubscriberClaims,
    /// The sandbox dependent under the sandbox subscriber: the same claims in loop 2200E.
    DependentClaims,
    /// Anyone else: `D0:35` (claim/encounter not found), as a payer answers.
    NotFound,
}

impl ClaimStatusScenario {
    /// The scenario for `q`: names compare without case, as the sandbox's predefined values.
    pub fn of(q: &ClaimStatusQuery<'_>) -> Self {
        let same = |a: Option<&str>, b: &str| a.is_some_and(|a| a.eq_ignore_ascii_case(b));
        let (id, first, last) = q.subscriber;
        let subscriber =
            same(id, SUBSCRIBER.0) && same(first, SUBSCRIBER.1) && same(last, SUBSCRIBER.2);
        match q.dependent {
            _ if !subscriber => Self::NotFound,
            None => Self::SubscriberClaims,
            Some((f, l)) if same(f, DEPENDENT.0) && same(l, DEPENDENT.1) => Self::DependentClaims,
            Some(_) => Self::NotFound,
        }
    }
}

fn or<'a>(v: Option<&'a str>, default: &'a str) -> Cow<'a, str> {
    clean(v.unwrap_or(default))
}

/// The 277 answering `q`, with interchange control number `control`, dated `now`.
pub fn claim_status_answer(q: &ClaimStatusQuery<'_>, control: u32, now: &Stamp) -> String {
    let scenario = ClaimStatusScenario::of(q);
    let mut w = Writer::with_capacity(Delimiters::default(), 2048);
    let ctl = format!("{:09}", control % 1_000_000_000);
    w.segment(
        "ISA",
        &[
            "00",
            "          ",
            "00",
            "          ",
            "ZZ",
            &pad_right("SANDBOX", 15),
            "ZZ",
            &pad_right("SUBMITTER", 15),
            &now.yymmdd(),
            &now.hhmm(),
            "^",
            "00501",
            &ctl,
            "0",
            if q.usage == Some("P") { "P" } else { "T" },
            ":",
        ],
    );
    let group = (control % 1_000_000_000).to_string();
    w.segment(
        "GS",
        &[
            "HN",
            "SANDBOX",
            "SUBMITTER",
            &now.ccyymmdd(),
            &now.hhmm(),
            &group,
            "X",
            "005010X212",
        ],
    );
    w.reset_count();
    w.segment("ST", &["277", "0001", "005010X212"]);
    w.segment(
        "BHT",
        &[
            "0010",
            "08",
            &or(q.reference, "SANDBOX"),
            &now.ccyymmdd(),
            &now.hhmm(),
            "DG",
        ],
    );
    w.segment("HL", &["1", "", "20", "1"]);
    let payer_id = or(q.payer_id, "serviceId");
    w.segment(
        "NM1",
        &["PR", "2", PAYER_NAME, "", "", "", "", "PI", &payer_id],
    );
    w.segment("HL", &["2", "1", "21", "1"]);
    w.segment(
        "NM1",
        &[
            "41",
            "2",
            &or(q.billing_provider.0, "TestProvider"),
            "",
            "",
            "",
            "",
            "46",
            &or(q.billing_provider.1, "0123456789"),
        ],
    );
    w.segment("HL", &["3", "2", "19", "1"]);
    w.segment(
        "NM1",
        &[
            "1P",
            "2",
            &or(q.service_provider.0, "TestProvider"),
            "",
            "",
            "",
            "",
            "XX",
            &or(q.service_provider.1, "0123456789"),
        ],
    );
    let dependent = scenario == ClaimStatusScenario::DependentClaims;
    w.segment("HL", &["4", "3", "22", if dependent { "1" } else { "0" }]);
    let (id, first, last) = q.subscriber;
    w.segment(
        "NM1",
        &[
            "IL",
            "1",
            &or(last, "UNKNOWN"),
            &or(first, ""),
            "",
            "",
            "",
            "MI",
            &or(id, "UNKNOWN"),
        ],
    );
    if let (true, Some((first, last))) = (dependent, q.dependent) {
        w.segment("HL", &["5", "4", "23"]);
        w.segment("NM1", &["QC", "1", &or(last, ""), &or(first, "")]);
    }
    let trace = or(q.tracking_number, DEFAULT_TRACE);
    match scenario {
        ClaimStatusScenario::NotFound => {
            w.segment("TRN", &["2", &trace]);
            w.segment("STC", &["D0:35", &now.ccyymmdd()]);
        }
        ClaimStatusScenario::SubscriberClaims | ClaimStatusScenario::DependentClaims => {
            w.segment("TRN", &["2", &trace]);
            w.segment(
                "STC",
                &[
                    "F1:65:1E", "20170415", "", "1229", "219", "20170415", "", "20170415",
                    "1111111",
                ],
            );
            w.segment("REF", &["1K", "AAAAAAAAAAA1"]);
            w.segment("DTP", &["472", "D8", "20160722"]);
            w.segment("TRN", &["2", &trace]);
            w.segment(
                "STC",
                &[
                    "F3:1:1E", "20170420", "", "350", "0", "20170420", "", "20170420", "1111112",
                ],
            );
            w.segment("REF", &["1K", "AAAAAAAAAAA2"]);
            w.segment("DTP", &["472", "D8", "20160801"]);
        }
    }
    let count = (w.count() + 1).to_string();
    w.segment("SE", &[count.as_str(), "0001"]);
    w.segment("GE", &["1", &group]);
    w.segment("IEA", &["1", &ctl]);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claim_status::map277::{Context, map_all};
    use crate::x12::Reader;

    fn sandbox() -> ClaimStatusQuery<'static> {
        ClaimStatusQuery {
            payer_id: Some("serviceId"),
            billing_provider: (Some("TestProvider"), Some("0123456789")),
            subscriber: (Some("0000000000"), Some("johnone"), Some("doeone")),
            tracking_number: Some("ABCD"),
            ..ClaimStatusQuery::default()
        }
    }

    fn queries() -> Vec<(ClaimStatusScenario, ClaimStatusQuery<'static>)> {
        let subscriber = sandbox();
        let dependent = ClaimStatusQuery {
            dependent: Some((Some("JANEONE"), Some("doeone"))),
            ..sandbox()
        };
        let stranger = ClaimStatusQuery {
            subscriber: (Some("123"), Some("A*B"), Some("C~D")),
            tracking_number: None,
            ..ClaimStatusQuery::default()
        };
        let unknown_dependent = ClaimStatusQuery {
            dependent: Some((Some("someone"), Some("doeone"))),
            ..sandbox()
        };
        vec![
            (ClaimStatusScenario::SubscriberClaims, subscriber),
            (ClaimStatusScenario::DependentClaims, dependent),
            (ClaimStatusScenario::NotFound, stranger),
            (ClaimStatusScenario::NotFound, unknown_dependent),
        ]
    }

    /// HL numbering and nesting, SE count and control numbers, GE/IEA, a 106-byte ISA.
    fn assert_structurally_valid(x12: &str) {
        let segs: Vec<_> = Reader::new(x12).unwrap().map(Result::unwrap).collect();
        assert_eq!(segs[0].text().len() + 1, 106, "ISA is fixed length");
        let tags: Vec<&str> = segs.iter().map(|s| s.tag).collect();
        assert_eq!(tags[..3], ["ISA", "GS", "ST"]);
        assert_eq!(tags[tags.len() - 3..], ["SE", "GE", "IEA"]);
        let st = &segs[2];
        let se = &segs[segs.len() - 3];
        assert_eq!(se.element(1).unwrap(), (segs.len() - 4).to_string());
        assert_eq!(se.element(2), st.element(2));
        assert_eq!(segs[segs.len() - 2].element(2), segs[1].element(6));
        assert_eq!(segs[segs.len() - 1].element(2), segs[0].element(13));
        let mut levels: Vec<(String, &str)> = Vec::new();
        let parent_of = |level: &str| match level {
            "21" => Some("20"),
            "19" => Some("21"),
            "22" => Some("19"),
            "23" => Some("22"),
            _ => None,
        };
        for hl in segs.iter().filter(|s| s.tag == "HL") {
            let id = hl.element(1).unwrap();
            assert_eq!(id, (levels.len() + 1).to_string(), "HL01 counts from 1");
            let level = hl.element(3).unwrap();
            match (hl.element(2), parent_of(level)) {
                (None, None) => assert_eq!(level, "20"),
                (Some(p), Some(want)) => {
                    let (_, parent_level) = levels
                        .iter()
                        .find(|(i, _)| i == p)
                        .expect("HL02 names an earlier HL");
                    assert_eq!(*parent_level, want);
                }
                other => panic!("bad HL nesting {other:?}"),
            }
            levels.push((id.to_owned(), level));
        }
        for (i, hl) in segs.iter().enumerate().filter(|(_, s)| s.tag == "HL") {
            let has_child = segs[i + 1..]
                .iter()
                .any(|s| s.tag == "HL" && s.element(2) == hl.element(1));
            if let Some(h4) = hl.element(4) {
                assert_eq!(h4 == "1", has_child, "HL04 says whether a child follows");
            }
        }
    }

    #[test]
    fn every_answer_is_structurally_valid_and_maps_cleanly() {
        let now = Stamp::from_unix(1_764_806_400);
        for (want, q) in queries() {
            assert_eq!(ClaimStatusScenario::of(&q), want);
            let x12 = claim_status_answer(&q, 42, &now);
            assert_structurally_valid(&x12);
            let all = map_all(&x12, &Context::default()).unwrap();
            assert_eq!(all.len(), 1, "{want:?}");
            let r = &all[0];
            assert!(r.warnings.is_empty(), "{want:?}: {:?}", r.warnings);
            let v = serde_json::to_value(r).unwrap();
            assert_eq!(v["payer"]["organizationName"], "Unknown");
            if want == ClaimStatusScenario::NotFound {
                assert_eq!(v["claims"][0]["claimStatus"]["statusCategoryCode"], "D0");
                assert_eq!(v["claims"][0]["claimStatus"]["statusCode"], "35");
                assert_eq!(
                    v["claims"][0]["claimStatus"]["trackingNumber"],
                    q.tracking_number.unwrap_or(DEFAULT_TRACE)
                );
            } else {
                let cs = &v["claims"][0]["claimStatus"];
                assert_eq!(
                    cs["statusCategoryCodeValue"],
                    "Finalized/Payment-The claim/line has been paid."
                );
                assert_eq!(cs["statusCodeValue"], "Claim/line has been paid.");
                assert_eq!(cs["entity"], "Health Maintenance Organization (HMO)");
                assert_eq!(cs["effectiveDate"], "20170415");
                assert_eq!(cs["submittedAmount"], "1229");
                assert_eq!(cs["amountPaid"], "219");
                assert_eq!(cs["checkNumber"], "1111111");
                assert_eq!(cs["claimServiceDate"], "20160722");
                assert_eq!(cs["tradingPartnerClaimNumber"], "AAAAAAAAAAA1");
                assert_eq!(cs["trackingNumber"], "ABCD");
                assert_eq!(v["claims"][1]["claimStatus"]["statusCategoryCode"], "F3");
                assert_eq!(v["payer"]["payerIdentification"], "serviceId");
                assert_eq!(
                    v.get("dependent").is_some(),
                    want == ClaimStatusScenario::DependentClaims
                );
            }
        }
    }
}
