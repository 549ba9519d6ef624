use super::*;
use crate::x12::date::Stamp;

const TODAY: &str = "20260115";
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests"
);
const SANDBOX: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests/optum-docs-sandbox.request.json"
));
const OAS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests/optum-oas-claimstatus.request.json"
));
const STEDI_ACCEPTED: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests/stedi-json-accepted-uhc.request.json"
));

/// Change's sandbox envelope as its recovered raw 276 shows it (`claim-status.md` §5).
fn envelope() -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "LCX1210000".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "EMDEON".into(),
        application_sender: "LCX1210000".into(),
        application_receiver: "MTEXE".into(),
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

fn req(json: &str) -> ClaimStatusRequest {
    parse(json.as_bytes()).unwrap()
}

fn problems(json: &str, dialect: Dialect) -> Vec<(String, String)> {
    check(&req(json), TODAY, dialect)
        .into_iter()
        .map(|p| (p.path.dotted(), p.message))
        .collect()
}

fn built(json: &str, tracking: &str) -> String {
    let env = envelope();
    let r = req(json);
    let control = val(&r.control_number).unwrap_or("000000042").to_owned();
    let tracking = crate::json_request::obj(&r.encounter)
        .and_then(|e| val(&e.tracking_number))
        .unwrap_or(tracking)
        .to_owned();
    build(
        &r,
        &BuildContext {
            envelope: &env,
            control_number: &control,
            tracking_number: &tracking,
            now: &now(),
        },
    )
}

/// The segments of a 276 our reader reads back, each as its text.
fn segments(x12: &str) -> Vec<String> {
    let (reader, _) = crate::x12::open_tolerant(x12).unwrap();
    reader
        .map(|s| {
            let s = s.unwrap();
            x12[s.offset..].split('~').next().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn the_change_sandbox_request_builds_the_documented_276() {
    assert_eq!(problems(SANDBOX, Dialect::Change), vec![]);
    let x12 = built(SANDBOX, "e4e108bd-1c36-de0d-9a14-f3bc5422ab28");
    insta::assert_snapshot!("optum_docs_sandbox_276", x12.replace('~', "~\n"));
    // The parts Change's own raw 276 shows (claim-status.md §5).
    for part in [
        "~GS*HR*LCX1210000*MTEXE*20260115*0930*123456789*X*005010X212~",
        "~ST*276*123456789*005010X212~BHT*0010*13*123456789*20260115*0930~",
        "~NM1*41*2*TestProvider*****46*0123456789~",
        "~HL*4*3*22*0~DMG*D8*18800102*M~NM1*IL*1*doeone*johnone****MI*0000000000~",
        "~REF*6P*0000000000~",
    ] {
        assert!(x12.contains(part), "{part} in {x12}");
    }
}

#[test]
fn the_change_spec_example_builds_every_loop_in_order() {
    assert_eq!(problems(OAS, Dialect::Change), vec![]);
    let x12 = built(OAS, "not used: the request has one");
    insta::assert_snapshot!("optum_oas_276", x12.replace('~', "~\n"));
    let segs = segments(&x12);
    let at = |tag: &str| segs.iter().position(|s| s.starts_with(tag)).unwrap();
    // The dependent is the patient: the claim is asked about in 2200E.
    assert!(at("HL*5*4*23") < at("TRN*1*ABCD"));
    assert!(segs.contains(&"HL*4*3*22*1".to_owned()));
    assert!(segs.contains(&"NM1*41*2*TestProvider*****46*ETIN12345".to_owned()));
    assert!(segs.contains(&"NM1*1P*2*TestProvider*****XX*1234567893".to_owned()));
    let claim: Vec<&str> = segs[at("TRN*1*ABCD")..segs.len() - 2]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        claim,
        [
            "TRN*1*ABCD",
            "REF*1K*1234567890",
            "REF*BLT*111",
            "REF*LU*LU12345",
            "REF*6P*0000000000",
            "REF*EJ*PAT123456",
            "REF*XZ*RX123456",
            "REF*D9*D9123456",
            "AMT*T3*100.00",
            "DTP*472*RD8*20100101-20100102",
            "SVC*AD:D0120*100.00**0123***1",
            "REF*FJ*FJ12345",
            "DTP*472*RD8*20100101-20100102",
            "SE*28*123456789",
        ]
    );
}

#[test]
fn stedis_base_request_puts_the_npi_in_2100b_and_2100c() {
    assert_eq!(problems(STEDI_ACCEPTED, Dialect::Stedi), vec![]);
    let x12 = built(STEDI_ACCEPTED, "T1");
    for part in [
        "~NM1*PR*2*UnitedHealthcare*****PI*87726~",
        "~NM1*41*2*Provider Name*****46*1999999984~",
        "~NM1*1P*2*Provider Name*****XX*1999999984~",
        "~HL*4*3*22*0~DMG*D8*19710101~NM1*IL*1*Doe*Jane****MI*UHC123456~TRN*1*T1~DTP*472*RD8*20250630-20250702~SE*",
    ] {
        assert!(x12.contains(part), "{part} in {x12}");
    }
}

#[test]
fn every_fixture_request_is_accepted_on_its_anchors_path() {
    for (file, dialect) in [
        ("optum-docs-sandbox.request.json", Dialect::Change),
        ("optum-oas-claimstatus.request.json", Dialect::Change),
        ("stedi-json-accepted-uhc.request.json", Dialect::Stedi),
        (
            "stedi-2024-12-json-denied-anthem.request.json",
            Dialect::Stedi,
        ),
    ] {
        let json = std::fs::read_to_string(format!("{FIXTURES}/{file}")).unwrap();
        let built = to_276_as(json.as_bytes(), &envelope(), &now(), dialect)
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(built.x12.contains("~ST*276*"), "{file}");
    }
}

/// `(why, dialect, request, [(field, message)])`: the exact problems, in order.
#[allow(clippy::type_complexity)]
const INVALID: &[(&str, Dialect, &str, &[(&str, &str)])] = &[
    (
        "an empty object names everything that is required",
        Dialect::Change,
        "{}",
        &[
            (
                "tradingPartnerServiceId",
                "is required: it names the payer (2100A NM109).",
            ),
            (
                "providers",
                "is required: send one provider with providerType BillingProvider (and optionally one ServiceProvider).",
            ),
            (
                "subscriber",
                "is required: send memberId, firstName and lastName (and dateOfBirth).",
            ),
        ],
    ),
    (
        "wrong types and blanks are told together, without values",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": 87726, "providers": {}, "controlNumber": "12345",
            "subscriber": {"memberId": " ", "firstName": 1, "lastName": "SECRET*NAME"}}"#,
        &[
            ("controlNumber", "must be exactly 9 characters long."),
            ("tradingPartnerServiceId", "must be a string."),
            ("providers", "must be an array."),
            (
                "subscriber.memberId",
                "must not be blank: omit the field or send null when there is no value.",
            ),
            ("subscriber.firstName", "must be a string."),
            (
                "subscriber.lastName",
                "contains a character X12 cannot carry (the delimiters `*`, `~`, `:`, `^`, control characters or non-ASCII).",
            ),
        ],
    ),
    (
        "a service provider alone is refused (Stedi documents the 400)",
        Dialect::Stedi,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "ServiceProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"}}"#,
        &[(
            "providers",
            "needs exactly one provider with providerType BillingProvider (2100B, the information receiver); a ServiceProvider alone is not enough.",
        )],
    ),
    (
        "Stedi's taxId is nine digits; Change's sandbox sends ten",
        Dialect::Stedi,
        r#"{"tradingPartnerServiceId": "serviceId",
            "providers": [{"providerType": "BillingProvider", "taxId": "0123456789", "organizationName": "TestProvider"}],
            "subscriber": {"memberId": "0000000000", "firstName": "johnone", "lastName": "doeone", "gender": "U", "dateOfBirth": "18800102"}}"#,
        &[
            ("providers[0].taxId", "must be exactly 9 characters long."),
            (
                "subscriber.gender",
                "is not an allowed value. Allowed values are: M, F.",
            ),
        ],
    ),
    (
        "provider rules: type, identifier, NPI check digit, etin only on the billing provider",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [
              {"organizationName": "A", "providerType": "Billing"},
              {"firstName": "Ann", "npi": "1234567890", "etin": "E1", "providerType": "ServiceProvider"},
              {"organizationName": "C", "etin": "E2"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"}}"#,
        &[
            (
                "providers[0].npi",
                "is required: the provider needs an identifier (npi, or taxId, etin, tin, spn).",
            ),
            (
                "providers[0].providerType",
                "is not an allowed value. Allowed values are: BillingProvider, ServiceProvider.",
            ),
            (
                "providers[1].lastName",
                "is required with firstName (NM103 holds the last name).",
            ),
            (
                "providers[1].npi",
                "is not a valid NPI: its check digit does not match.",
            ),
            (
                "providers[1].etin",
                "applies only to the BillingProvider (2100B); a ServiceProvider (2100C) is identified by npi, taxId, tin or spn.",
            ),
            (
                "providers[2].providerType",
                "is required: BillingProvider or ServiceProvider.",
            ),
        ],
    ),
    (
        "two billing providers, and one with only an etin cannot stand in for 2100C",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"etin": "E1", "providerType": "BillingProvider"}, {"etin": "E2", "providerType": "billingprovider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"}}"#,
        &[(
            "providers",
            "may hold only one BillingProvider: one information receiver per request.",
        )],
    ),
    (
        "a billing provider with only an etin needs a service provider",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"etin": "E1", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"}}"#,
        &[(
            "providers",
            "needs a ServiceProvider, or an npi, taxId, tin or spn on the BillingProvider: the service provider (2100C) is made from the billing provider when absent, and an etin cannot identify it.",
        )],
    ),
    (
        "the subscriber and dependent: required names, DMG needs a birth date, dates exist",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "A", "gender": "M", "dateOfBirth": "20990101"},
            "dependent": {"firstName": "JO", "gender": "X", "suffix": "JUNIOR THE 3RD", "dateOfBirth": "20100231"}}"#,
        &[
            ("subscriber.memberId", "must be 2 to 80 characters long."),
            ("subscriber.firstName", "is required."),
            ("subscriber.lastName", "is required."),
            ("subscriber.dateOfBirth", "is in the future."),
            ("dependent.lastName", "is required."),
            ("dependent.suffix", "must be 1 to 10 characters long."),
            (
                "dependent.gender",
                "is not an allowed value. Allowed values are: M, F, U.",
            ),
            (
                "dependent.dateOfBirth",
                "Invalid date format. Please use the following format: yyyyMMdd (a date that exists).",
            ),
        ],
    ),
    (
        "a dependent needs a birth date (2000E DMG is required); gender needs one too",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE", "gender": "F"},
            "dependent": {"firstName": "JO", "lastName": "DOE"}}"#,
        &[
            (
                "subscriber.dateOfBirth",
                "is required with gender (both go in DMG, which needs the date of birth).",
            ),
            (
                "dependent.dateOfBirth",
                "is required for a dependent (2000E DMG is required in 005010X212).",
            ),
        ],
    ),
    (
        "the encounter: dates in order, an end needs a beginning, amounts and lengths",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"},
            "encounter": {"endDateOfService": "20250101", "submittedAmount": "12,50",
                          "trackingNumber": "012345678901234567890123456789012345678901234567890"}}"#,
        &[
            (
                "encounter.beginningDateOfService",
                "is required with endDateOfService.",
            ),
            (
                "encounter.trackingNumber",
                "must be 1 to 50 characters long.",
            ),
            (
                "encounter.submittedAmount",
                "must be an amount such as 125.50.",
            ),
        ],
    ),
    (
        "dates of service out of order",
        Dialect::Stedi,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"},
            "encounter": {"beginningDateOfService": "20250102", "endDateOfService": "20250101"}}"#,
        &[(
            "encounter.endDateOfService",
            "must not be before beginningDateOfService.",
        )],
    ),
    (
        "service lines on Stedi's path: units required, modifiers 1 to 4, one field or the other",
        Dialect::Stedi,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"},
            "serviceLineInformation": {"productOrServiceIDQualifier": "HC", "procedureCode": "99213",
              "lineItemChargeAmount": "10", "unitsOfServiceCount": "1", "serviceLineDate": "20250101"},
            "serviceLinesInformation": [
              {"productOrServiceIDQualifier": "XX", "procedureModifiers": [], "serviceLineDate": "20250102", "serviceLineEndDate": "20250101"},
              7]}"#,
        &[
            ("serviceLinesInformation[1]", "has the wrong type."),
            (
                "serviceLinesInformation[0].productOrServiceIDQualifier",
                "is not an allowed value. Allowed values are: AD, ER, HC, HP, IV, N4, NU, WK.",
            ),
            ("serviceLinesInformation[0].procedureCode", "is required."),
            (
                "serviceLinesInformation[0].procedureModifiers",
                "must not be empty: omit the field or send null when there is nothing to send.",
            ),
            (
                "serviceLinesInformation[0].lineItemChargeAmount",
                "is required.",
            ),
            (
                "serviceLinesInformation[0].unitsOfServiceCount",
                "is required.",
            ),
            (
                "serviceLinesInformation[0].serviceLineEndDate",
                "must not be before serviceLineDate.",
            ),
            (
                "serviceLineInformation",
                "cannot be sent with serviceLinesInformation: send every line in serviceLinesInformation.",
            ),
        ],
    ),
    (
        "service lines on Change's path: empty modifiers are fine, units optional, the date is not",
        Dialect::Change,
        r#"{"tradingPartnerServiceId": "87726",
            "providers": [{"npi": "1999999984", "providerType": "BillingProvider"}],
            "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE"},
            "serviceLineInformation": {"productOrServiceIDQualifier": "hc", "procedureCode": "99213",
              "procedureModifiers": ["GT", "G"], "lineItemChargeAmount": "10"}}"#,
        &[
            (
                "serviceLineInformation.procedureModifiers[1]",
                "must be exactly 2 characters long.",
            ),
            (
                "serviceLineInformation.serviceLineDate",
                "is required (2210 DTP*472 is required in 005010X212).",
            ),
        ],
    ),
];

#[test]
fn invalid_requests_get_every_problem_at_its_field_in_each_convention() {
    for (why, dialect, json, expected) in INVALID {
        let got = check(&req(json), TODAY, *dialect);
        let change: Vec<(String, String)> = got
            .iter()
            .map(|p| (p.path.dotted(), p.message.clone()))
            .collect();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(f, m)| ((*f).to_owned(), (*m).to_owned()))
            .collect();
        assert_eq!(change, want, "{why}");
        for p in &got {
            // Stedi's convention names the same field as a JSON Pointer.
            let pointer = p.path.pointer();
            assert_eq!(
                pointer.trim_start_matches('/').replace('/', "."),
                p.path.dotted().replace('[', ".").replace(']', ""),
                "{why}"
            );
            for secret in ["SECRET", "20990101", "JUNIOR", "12,50"] {
                assert!(
                    !p.description().contains(secret),
                    "{why}: {}",
                    p.description()
                );
            }
        }
        assert!(
            matches!(
                to_276_as(json.as_bytes(), &envelope(), &now(), *dialect),
                Err(Refusal::Invalid(ref p)) if p.len() == expected.len()
            ),
            "{why}"
        );
    }
}

#[test]
fn unknown_fields_are_ignored_and_null_is_absent() {
    let json = r#"{"partnerId": true, "tradingPartnerServiceId": "87726", "tradingPartnerName": null,
        "providers": [{"npi": "1999999984", "providerType": "BillingProvider", "name": true}],
        "subscriber": {"memberId": "AB123", "firstName": "JANE", "lastName": "DOE", "middleName": "Q"}}"#;
    assert_eq!(problems(json, Dialect::Change), vec![]);
}

#[test]
fn not_an_object_is_refused_with_where_parsing_stopped() {
    let env = envelope();
    assert_eq!(
        to_276(b"[1]", &env, &now()),
        Err(Refusal::NotAnObject(NotAnObject { line: 0, column: 0 }))
    );
    assert!(matches!(
        to_276(b"{\n x", &env, &now()),
        Err(Refusal::NotAnObject(NotAnObject { line: 2, .. }))
    ));
}

#[test]
fn stedi_replaces_a_control_number_that_is_not_nine_digits_and_says_so() {
    let json = STEDI_ACCEPTED.replacen(
        '{',
        r#"{"controlNumber": "hike-0000000000000000000001","#,
        1,
    );
    let b = to_276_as(json.as_bytes(), &envelope(), &now(), Dialect::Stedi).unwrap();
    assert_eq!(b.warnings.len(), 1);
    assert_eq!(b.warnings[0].code, "request::json::control_number_replaced");
    assert!(!b.x12.contains("hike"));
    // Change's path refuses it instead.
    assert!(to_276_as(json.as_bytes(), &envelope(), &now(), Dialect::Change).is_err());
}

#[test]
fn a_missing_tracking_number_is_generated_and_a_given_one_is_kept() {
    let b = to_276_as(SANDBOX.as_bytes(), &envelope(), &now(), Dialect::Change).unwrap();
    let trn = segments(&b.x12)
        .into_iter()
        .find(|s| s.starts_with("TRN*"))
        .unwrap();
    let id = trn.strip_prefix("TRN*1*").unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{trn}");
    let b = to_276_as(OAS.as_bytes(), &envelope(), &now(), Dialect::Change).unwrap();
    assert!(b.x12.contains("~TRN*1*ABCD~"));
}

#[test]
fn gender_u_is_accepted_on_changes_path_and_left_out_of_dmg_with_a_warning() {
    let json = SANDBOX.replace(r#""gender": "M""#, r#""gender": "U""#);
    let b = to_276_as(json.as_bytes(), &envelope(), &now(), Dialect::Change).unwrap();
    assert!(b.x12.contains("~DMG*D8*18800102~"), "{}", b.x12);
    assert_eq!(b.warnings.len(), 1);
    assert_eq!(b.warnings[0].code, "request::json::gender_unknown_omitted");
    assert!(b.warnings[0].description.starts_with("subscriber.gender"));
}

#[test]
fn a_generated_control_number_fills_every_envelope_control() {
    let json = SANDBOX.replace(r#""controlNumber": "123456789","#, "");
    let b = to_276_as(json.as_bytes(), &envelope(), &now(), Dialect::Change).unwrap();
    let segs = segments(&b.x12);
    let isa13 = segs[0].split('*').nth(13).unwrap().to_owned();
    assert_eq!(isa13.len(), 9);
    assert!(segs.contains(&format!("ST*276*{isa13}*005010X212")));
    assert!(segs.last().unwrap().ends_with(&isa13));
}

#[test]
fn refused_276_issues_are_told_at_the_json_fields() {
    use crate::eligibility::issue::Issue;
    fn at(location: &str, tag: &str, element: Option<u8>, rule: &'static str) -> Issue {
        let mut i = Issue::new(rule, location, "NM109 in Loop 2100D, segment 9");
        i.segment = Some(tag.to_owned());
        i.element = element;
        i
    }
    let r = req(OAS);
    let rows = [
        (at("Loop 2100D", "NM1", Some(9), "x"), "subscriber.memberId"),
        (
            at("Loop 2000E", "DMG", Some(2), "date_in_future"),
            "dependent.dateOfBirth",
        ),
        (at("Loop 2100B", "NM1", Some(9), "x"), "providers[0]"),
        (at("Loop 2100C", "NM1", Some(9), "x"), "providers[0]"),
        (
            at("Loop 2200E", "TRN", Some(2), "x"),
            "encounter.trackingNumber",
        ),
        (
            at("Loop 2210E", "SVC", Some(1), "invalid_code"),
            "serviceLineInformation",
        ),
        (at("Loop 2100A", "NM1", Some(3), "x"), "tradingPartnerName"),
        (at("Interchange envelope", "ISA", Some(6), "x"), ""),
    ];
    for (issue, field) in rows {
        let p = &refused::problems(&r, std::slice::from_ref(&issue))[0];
        assert_eq!(p.path.dotted(), field, "{}", issue.location);
        for x12 in ["NM1", "Loop", "segment", "2100"] {
            assert!(!p.message.contains(x12), "{field}: {}", p.message);
        }
    }
}
