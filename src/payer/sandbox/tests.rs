use super::*;
use crate::eligibility::inquiry;
use crate::eligibility::map271::{Context, MapError, map};
use crate::x12::{Reader, date::Stamp};

const SUBSCRIBER: &str = include_str!(
    "../../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi"
);
const DEPENDENT: &str =
    include_str!("../../../tests/fixtures/x12/irobayna-stupidedi/270-X279A1-request-dependent.edi");

fn request(payer: &str, member: &str, last: &str, first: &str) -> String {
    SUBSCRIBER
        .replace("PI*842610001", &format!("PI*{payer}"))
        .replace("MI*11122333301", &format!("MI*{member}"))
        .replace("SMITH*ROBERT", &format!("{last}*{first}"))
}

fn answer(x12: &str) -> (String, serde_json::Value) {
    let q = inquiry::read(x12);
    let reply = reply::build(&q, Scenario::of(&q), 42, &Stamp::from_unix(1_767_225_600));
    let json = serde_json::to_value(map(&reply, &Context::default()).unwrap()).unwrap();
    (reply, json)
}

/// Every 271 the sandbox writes has right counts: SE01, SE02 = ST02, GE01/GE02, IEA01/IEA02.
fn assert_envelope(reply: &str) {
    let segs: Vec<_> = Reader::new(reply).unwrap().map(Result::unwrap).collect();
    let st = segs.iter().position(|s| s.tag == "ST").unwrap();
    let se = segs.iter().position(|s| s.tag == "SE").unwrap();
    assert_eq!(
        segs[se].element(1).unwrap(),
        (se - st + 1).to_string(),
        "SE01"
    );
    assert_eq!(segs[se].element(2), segs[st].element(2), "SE02");
    let gs = &segs[1];
    let ge = &segs[segs.len() - 2];
    assert_eq!(
        (ge.element(1), ge.element(2)),
        (Some("1"), gs.element(6)),
        "GE"
    );
    let iea = &segs[segs.len() - 1];
    assert_eq!(
        (iea.element(1), iea.element(2)),
        (Some("1"), segs[0].element(13)),
        "IEA"
    );
    assert_eq!(segs[0].text().len() + 1, 106, "ISA is 106 bytes");
}

#[test]
fn sandbox_member_gets_active_coverage_with_a_realistic_plan() {
    let (reply, j) = answer(&request("842610001", "0000000001", "DOEONE", "JOHNONE"));
    assert_envelope(&reply);
    assert_eq!(j["subscriber"]["memberId"], "0000000001");
    assert_eq!(j["subscriber"]["firstName"], "JOHNONE");
    assert_eq!(
        j["subscriberTraceNumbers"][0]["referenceIdentification"],
        "93175-012547"
    );
    assert_eq!(j["subscriberTraceNumbers"][0]["traceTypeCode"], "2");
    assert_eq!(j["planDateInformation"]["plan"], "20260101-20261231");
    assert_eq!(j["subscriber"]["groupNumber"], "GRP0000001");
    let benefits = j["benefitsInformation"].as_array().unwrap();
    let codes: std::collections::BTreeSet<_> = benefits
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    for c in ["1", "A", "B", "C", "F", "G", "L"] {
        assert!(codes.contains(c), "EB01 {c} missing");
    }
    assert!(
        benefits
            .iter()
            .any(|b| b["inPlanNetworkIndicatorCode"] == "N"),
        "out-of-network benefits"
    );
    assert!(benefits.iter().any(|b| b["benefitPercent"] == "0.2"));
    assert_eq!(j["errors"], serde_json::json!([]));
}

#[test]
fn sandbox_names_match_case_insensitively() {
    let (_, j) = answer(&request("842610001", "W999", "doeTwo", "janeOne"));
    assert_eq!(j["errors"], serde_json::json!([]));
    assert!(j["benefitsInformation"].as_array().unwrap().len() > 10);
}

#[test]
fn unknown_member_gets_aaa_75_at_2100c() {
    let (reply, j) = answer(SUBSCRIBER);
    assert_envelope(&reply);
    assert_eq!(j["errors"][0]["code"], "75");
    assert_eq!(j["errors"][0]["location"], "Loop 2100C");
    assert_eq!(j["subscriber"]["lastName"], "SMITH");
    assert!(j.get("benefitsInformation").is_none());
}

#[test]
fn payer_00006_is_a_payer_system_error_at_2000a() {
    let (reply, j) = answer(&request("00006", "0000000001", "DOEONE", "JOHNONE"));
    assert_envelope(&reply);
    assert!(reply.contains("HL*1**20*0~AAA*Y**42*R~NM1*PR"), "{reply}");
    assert_eq!(j["errors"][0]["code"], "42");
    assert_eq!(j["errors"][0]["followupAction"], "Resubmission Allowed");
    assert_eq!(j["errors"][0]["location"], "Loop 2000A");
    assert_eq!(j["payer"]["aaaErrors"][0]["code"], "42");
}

#[test]
fn payer_00004_is_not_eligible_for_inquiries() {
    let (reply, j) = answer(&request("00004", "0000000001", "DOEONE", "JOHNONE"));
    assert_envelope(&reply);
    assert_eq!(j["errors"][0]["code"], "50");
    assert_eq!(j["errors"][0]["location"], "Loop 2100B");
}

#[test]
fn payer_000002_answers_with_an_unreadable_271() {
    let q = inquiry::read(SUBSCRIBER);
    let reply = reply::build(&q, Scenario::Malformed, 1, &Stamp::now());
    assert!(matches!(
        map(&reply, &Context::default()),
        Err(MapError::Unreadable(_))
    ));
}

#[test]
fn other_test_payers_reproduce_their_scenarios() {
    type Check<'a> = &'a dyn Fn(&serde_json::Value);
    let cases: &[(&str, Check)] = &[
        ("00001", &|j| {
            assert_eq!(j["benefitsInformation"].as_array().unwrap().len(), 1);
        }),
        ("00003", &|j| {
            assert_eq!(
                j["benefitsInformation"][0]["serviceTypeCodes"]
                    .as_array()
                    .unwrap()
                    .len(),
                99
            );
            assert_eq!(
                j["benefitsInformation"][0]["additionalInformation"][0]["description"]
                    .as_str()
                    .unwrap()
                    .len(),
                264
            );
        }),
        ("00007", &|j| {
            assert_eq!(
                j["benefitsInformation"][0]["benefitsServiceDelivery"][0]["quantity"],
                "30"
            );
        }),
        ("00009", &|j| {
            assert_eq!(j["dependents"][0]["relationToSubscriberCode"], "19");
        }),
        ("000030", &|j| {
            assert_eq!(j["errors"].as_array().unwrap().len(), 2);
        }),
        ("000031", &|j| {
            assert_eq!(j["benefitsInformation"][0]["code"], "6");
        }),
        ("000041", &|j| {
            assert_eq!(j["benefitsInformation"][1]["code"], "W");
            assert_eq!(
                j["benefitsInformation"][1]["benefitsRelatedEntities"][0]["entityIdentifier"],
                "Primary Payer"
            );
        }),
        ("000050", &|j| {
            let b = j["benefitsInformation"].as_array().unwrap();
            assert!(
                b.iter()
                    .any(|e| e["code"] == "C" && e["benefitAmount"] == "0")
            );
            assert!(
                b.iter()
                    .any(|e| e["code"] == "G" && e["timeQualifierCode"] == "29")
            );
        }),
    ];
    for (payer, check) in cases {
        let (reply, j) = answer(&request(payer, "X", "NOBODY", "ANY"));
        assert_envelope(&reply);
        check(&j);
    }
}

#[test]
fn dependent_requests_get_a_dependent_answer() {
    let x12 = DEPENDENT
        .replace("MI*11122333301", "MI*0000000002")
        .replace("SMITH*MARY", "DOEONE*JANEONE");
    let (reply, j) = answer(&x12);
    assert_envelope(&reply);
    assert_eq!(j["dependents"][0]["firstName"], "JANEONE");
    assert_eq!(j["subscriber"]["memberId"], "0000000002");
    assert!(j["benefitsInformation"].as_array().unwrap().len() > 5);
}

#[test]
fn echoed_values_never_break_our_delimiters() {
    let custom = include_str!("../../../tests/fixtures/x12/Kartik-Hirijaganer-X12-Parser-Encoder/270_custom_delimiters.x12")
        .replace("DOE|CUSTOM", "DO*E~|CUS:TOM");
    let (reply, j) = answer(&custom);
    assert_envelope(&reply);
    assert_eq!(j["subscriber"]["lastName"], "DO E ", "`*` and `~` blanked");
    assert_eq!(j["subscriber"]["firstName"], "CUS TOM");
}

/// Every scenario but the deliberately unreadable one.
const SCENARIOS: [Scenario; 15] = [
    Scenario::Active,
    Scenario::SinglePlan,
    Scenario::MaxLengths,
    Scenario::NotEligibleForInquiries,
    Scenario::NonPrintable,
    Scenario::PayerSystemError,
    Scenario::SinglePlanUnusedFields,
    Scenario::Dependent,
    Scenario::InvalidPatient,
    Scenario::InactiveCoverage,
    Scenario::InactiveOtherSource,
    Scenario::CopayCoinsuranceOnly,
    Scenario::CannotProcess,
    Scenario::ContactEntity,
    Scenario::NotFound,
];

/// The 005010X279A1 271 HL rules: HL01 counts from 1; HL02 names an earlier HL of the parent
/// level (none for 20; 21 under 20, 22 under 21, 23 under 22); HL04 is 1 exactly when a child
/// HL follows; each level's 2100 NM1 follows its HL (after the 2000C/D TRNs, or the 2000A AAA)
/// with the entity code of its level. Returns a description of the first breach.
fn hl_breach(reply: &str) -> Option<String> {
    let segs: Vec<_> = Reader::new(reply).unwrap().map(Result::unwrap).collect();
    let hls: Vec<(usize, &crate::x12::Segment<'_>)> = segs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.tag == "HL")
        .collect();
    let mut levels: Vec<(String, String)> = Vec::new();
    for (k, (i, hl)) in hls.iter().enumerate() {
        let id = hl.element(1).unwrap_or("");
        if id != (k + 1).to_string() {
            return Some(format!("HL01 {id} at HL {}", k + 1));
        }
        let level = hl.element(3).unwrap_or("");
        let parent = hl.element(2);
        let want_parent = match level {
            "20" => None,
            "21" => Some("20"),
            "22" => Some("21"),
            "23" => Some("22"),
            other => return Some(format!("HL03 {other}")),
        };
        let parent_level =
            parent.and_then(|p| levels.iter().find(|(i, _)| i == p).map(|(_, l)| l.as_str()));
        if parent_level != want_parent || (want_parent.is_none() && parent.is_some()) {
            return Some(format!("HL {id} (level {level}) has parent {parent:?}"));
        }
        let has_child = hls[k + 1..].iter().any(|(_, h)| h.element(2) == Some(id));
        let hl04 = hl.element(4).unwrap_or("");
        if hl04 != if has_child { "1" } else { "0" } {
            return Some(format!(
                "HL {id} (level {level}): HL04 = {hl04}, child HL follows: {has_child}"
            ));
        }
        let name = segs[i + 1..]
            .iter()
            .find(|s| !matches!(s.tag, "TRN" | "AAA"))
            .filter(|s| s.tag == "NM1")
            .and_then(|s| s.element(1));
        let entity_ok = match level {
            "20" => name == Some("PR"),
            "21" => name.is_some_and(|n| n == "1P" || n == "FA" || n == "80"),
            "22" => name == Some("IL"),
            _ => name == Some("03"),
        };
        if !entity_ok {
            return Some(format!(
                "HL {id} (level {level}) is followed by NM1 {name:?}"
            ));
        }
        levels.push((id.to_owned(), level.to_owned()));
    }
    if !hls.iter().any(|(_, h)| h.element(3) == Some("20")) {
        return Some("no information source level".into());
    }
    None
}

#[test]
fn every_scenarios_271_keeps_the_x279a1_hl_rules() {
    let stamp = Stamp::from_unix(1_767_225_600);
    let dependent = DEPENDENT.replacen("*>*00501*", "*^*00501*", 1);
    for x12 in [
        request("842610001", "0000000001", "DOEONE", "JOHNONE"),
        dependent,
    ] {
        let q = inquiry::read(&x12);
        for scenario in SCENARIOS {
            let reply = reply::build(&q, scenario, 42, &stamp);
            assert_envelope(&reply);
            assert_eq!(
                hl_breach(&reply),
                None,
                "{scenario:?} (dependent 270: {}): {reply}",
                q.dependent.is_some()
            );
        }
    }
}

#[test]
fn the_hl_check_can_fail() {
    let reply = reply::build(
        &inquiry::read(&request("842610001", "0000000001", "DOEONE", "JOHNONE")),
        Scenario::NotFound,
        42,
        &Stamp::from_unix(1_767_225_600),
    );
    assert_eq!(hl_breach(&reply), None);
    let broken = reply.replacen("HL*3*2*22*0~", "HL*3*2*22*1~", 1);
    assert!(hl_breach(&broken).unwrap().contains("HL04 = 1"), "{broken}");
    let orphan = reply.replacen("HL*3*2*22*0~", "HL*3*1*22*0~", 1);
    assert!(hl_breach(&orphan).is_some());
}
