use super::*;
use crate::x12::date::Stamp;

pub(super) const TODAY: &str = "20260115";

pub(super) fn envelope() -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "SUBMITTER".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "RECEIVER".into(),
        application_sender: "SUBMITTER".into(),
        application_receiver: "RECEIVER".into(),
        usage: "P".into(),
        trace_originator: "9EMDEON999".into(),
        payer_names: [("87726".to_owned(), "UnitedHealthcare".to_owned())].into(),
    }
}

fn now() -> Stamp {
    Stamp {
        year: 2026,
        month: 1,
        day: 15,
        hour: 9,
        minute: 30,
    }
}

fn req(json: &str) -> EligibilityRequest {
    parse(json.as_bytes()).unwrap()
}

fn problems(json: &str) -> Vec<(String, String)> {
    check(&req(json), TODAY)
        .into_iter()
        .map(|p| (p.path.dotted(), p.message))
        .collect()
}

const BARE: &str = r#"{"controlNumber": "123456789", "tradingPartnerServiceId": "serviceId",
 "provider": {"organizationName": "provider_name", "npi": "0123456789"},
 "subscriber": {"firstName": "johnOne", "lastName": "doeOne", "dateOfBirth": "18800102", "memberId": "0000000000"},
 "encounter": {"dateOfService": "20100101", "serviceTypeCodes": ["30"]}}"#;

#[test]
fn bare_minimum_builds_a_valid_270() {
    assert_eq!(problems(BARE), vec![]);
    let x12 = build(&req(BARE), &envelope(), "123456789", &now());
    let out = crate::eligibility::validate::check_on(
        &x12,
        &crate::eligibility::validate::Options::default(),
        TODAY,
    );
    assert!(out.is_valid(), "{:?}\n{x12}", out.errors);
    assert!(!out.repaired(), "{:?}", out.warnings);
    assert!(x12.contains("NM1*PR*2*Unknown*****PI*serviceId~"), "{x12}");
    assert!(x12.contains("TRN*1*123456789*9EMDEON999~"), "{x12}");
}

#[test]
fn service_types_are_judged_as_the_validator_judges_eq01() {
    // Lower case is taken (the builder upper-cases it) and the built 270 passes.
    let lower = BARE.replace(r#"["30"]"#, r#"["a6"]"#);
    assert_eq!(problems(&lower), vec![]);
    let x12 = build(&req(&lower), &envelope(), "123456789", &now());
    assert!(x12.contains("EQ*A6~"), "{x12}");
    // In Stedi's code list but not in 005010X279A1: refused here, not after the 270 is built.
    let v3 = BARE.replace(r#"["30"]"#, r#"["V3"]"#);
    assert_eq!(
        problems(&v3),
        vec![(
            "encounter.serviceTypeCodes[0]".to_owned(),
            "is not a service type code of 005010X279A1 (EQ01).".to_owned()
        )]
    );
}

#[test]
fn paths_print_for_both_anchors() {
    let p = Path::root().key("dependents").index(0).key("firstName");
    assert_eq!(p.dotted(), "dependents[0].firstName");
    assert_eq!(p.pointer(), "/dependents/0/firstName");
}

#[test]
fn npi_check_digit() {
    assert!(check::npi_check_digit_ok("1234567893"));
    assert!(!check::npi_check_digit_ok("1234567890"));
}

#[test]
fn control_numbers_are_nine_digits_and_differ() {
    let a = next_control_number();
    let b = next_control_number();
    assert_eq!(a.len(), 9);
    assert!(a.bytes().all(|b| b.is_ascii_digit()));
    assert_ne!(a, b);
}

#[test]
fn wrong_types_and_blanks_are_reported_together_without_values() {
    let got = problems(
        r#"{"controlNumber": 123456789, "tradingPartnerServiceId": "",
            "provider": {"organizationName": "X", "npi": "1234567890"},
            "subscriber": {"memberId": "AB*CD", "dateOfBirth": "19990231", "firstName": "SECRETNAME"},
            "dependents": [{}, {}], "encounter": "today"}"#,
    );
    let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
    for want in [
        "controlNumber",
        "tradingPartnerServiceId",
        "provider.npi",
        "subscriber.memberId",
        "subscriber.dateOfBirth",
        "dependents",
        "encounter",
    ] {
        assert!(fields.contains(&want), "{want} in {got:?}");
    }
    assert!(
        got.iter()
            .all(|(_, m)| !m.contains("SECRETNAME") && !m.contains("AB*CD"))
    );
}

fn codes(built: &Built) -> Vec<&str> {
    built.warnings.iter().map(|w| w.code.as_str()).collect()
}

#[test]
fn stedi_replaces_a_control_number_that_is_not_nine_digits_and_change_refuses_it() {
    let long = BARE.replace(
        r#""controlNumber": "123456789""#,
        r#""controlNumber": "ELG1732457000123abcdefghij""#,
    );
    let built = to_270_as(long.as_bytes(), &envelope(), &now(), Dialect::Stedi).unwrap();
    assert_eq!(codes(&built), ["request::json::control_number_replaced"]);
    assert!(!built.x12.contains("ELG"), "{}", built.x12);
    let isa13 = built.x12.split('*').nth(13).unwrap();
    assert!(
        isa13.len() == 9 && isa13.bytes().all(|b| b.is_ascii_digit()),
        "{isa13}"
    );
    let refused = to_270_as(long.as_bytes(), &envelope(), &now(), Dialect::Change);
    assert!(
        matches!(&refused, Err(Refusal::Invalid(p)) if p[0].path.dotted() == "controlNumber"),
        "{refused:?}"
    );
    // Nine digits are kept on both, without a warning.
    for dialect in [Dialect::Change, Dialect::Stedi] {
        let built = to_270_as(BARE.as_bytes(), &envelope(), &now(), dialect).unwrap();
        assert!(built.warnings.is_empty(), "{dialect:?}");
        assert!(built.x12.contains("TRN*1*123456789*"), "{dialect:?}");
    }
}

#[test]
fn a_dependents_member_id_is_not_sent_and_noted() {
    let with = BARE.replace(
        r#""encounter""#,
        r#""dependents": [{"firstName": "janeOne", "lastName": "doeOne", "dateOfBirth": "20150421", "memberId": "DEPMEMBER77"}], "encounter""#,
    );
    let built = to_270_as(with.as_bytes(), &envelope(), &now(), Dialect::Change).unwrap();
    assert_eq!(
        codes(&built),
        ["request::json::dependent_member_id_ignored"]
    );
    assert!(!built.x12.contains("DEPMEMBER77"), "{}", built.x12);
    assert!(!built.warnings[0].description.contains("DEPMEMBER77"));
}
