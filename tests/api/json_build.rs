//! JSON → 270: Change's worked example segment by segment, and for generated valid requests the
//! built 270 always passes the same 005010X279A1 validator as a raw 270.

use eligibility_gateway::eligibility::request::{Envelope, build, check, parse};
use eligibility_gateway::eligibility::validate::{Options, check_on};
use eligibility_gateway::x12::date::Stamp;
use proptest::option;
use proptest::prelude::*;
use serde_json::{Value, json};

const TODAY: &str = "20260115";

fn stamp() -> Stamp {
    Stamp {
        year: 2026,
        month: 1,
        day: 15,
        hour: 9,
        minute: 30,
    }
}

/// Change's envelope as its sample 270 shows it (json-endpoint.md §3.6).
fn change_envelope() -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "999999".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "RTEXCHANGE".into(),
        application_sender: "999999".into(),
        application_receiver: "RTEXCHANGE".into(),
        usage: "P".into(),
        trace_originator: "9EMDEON999".into(),
        payer_names: std::collections::BTreeMap::new(),
    }
}

fn to_270(req: &Value, env: &Envelope) -> String {
    let parsed = parse(req.to_string().as_bytes()).expect("a JSON object");
    let problems = check(&parsed, TODAY);
    assert!(problems.is_empty(), "{problems:?}");
    let control = req["controlNumber"].as_str().unwrap_or("000000001");
    build(&parsed, env, control, &stamp())
}

/// Change's worked request (CHC-FAQ-REQ JSON with the CHC-RAW 270's values, json-endpoint.md §3.6).
#[test]
fn changes_worked_request_builds_the_worked_270_segment_by_segment() {
    let req = json!({
        "controlNumber": "123456789",
        "tradingPartnerServiceId": "serviceId",
        "provider": {"organizationName": "provider_name", "npi": "0123456789",
            "serviceProviderNumber": "54321", "providerCode": "AD", "referenceIdentification": "54321g"},
        "subscriber": {"memberId": "0000000000", "firstName": "johnOne", "lastName": "doeOne",
            "gender": "M", "dateOfBirth": "18800102", "ssn": "555443333", "idCard": "card123"},
        "dependents": [{"firstName": "janeOne", "lastName": "doeOne", "gender": "F",
            "dateOfBirth": "18160421", "groupNumber": "1111111111"}],
        "encounter": {"beginningDateOfService": "20100101", "endDateOfService": "20100102",
            "serviceTypeCodes": ["98"]}
    });
    let x12 = to_270(&req, &change_envelope());
    let got: Vec<&str> = x12.split_terminator('~').collect();
    let want = [
        "ISA*00*          *00*          *ZZ*999999         *ZZ*RTEXCHANGE     *260115*0930*^*00501*123456789*0*P*:",
        "GS*HS*999999*RTEXCHANGE*20260115*0930*123456789*X*005010X279A1",
        "ST*270*123456789*005010X279A1",
        "BHT*0022*13*123456789*20260115*0930",
        "HL*1**20*1",
        "NM1*PR*2*Unknown*****PI*serviceId",
        "HL*2*1*21*1",
        "NM1*1P*2*provider_name*****XX*0123456789",
        "PRV*AD*PXC*54321g",
        "HL*3*2*22*1",
        "TRN*1*123456789*9EMDEON999",
        "NM1*IL*1*doeOne*johnOne****MI*0000000000",
        "REF*SY*555443333",
        "REF*HJ*card123",
        "DMG*D8*18800102*M",
        "HL*4*3*23*0",
        "TRN*1*123456789*9EMDEON999",
        "NM1*03*1*doeOne*janeOne",
        "REF*6P*1111111111",
        "DMG*D8*18160421*F",
        "DTP*291*RD8*20100101-20100102",
        "EQ*98",
        "SE*21*123456789",
        "GE*1*123456789",
        "IEA*1*123456789",
    ];
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(*g, w, "segment {}", i + 1);
    }
    assert_eq!(got.len(), want.len(), "{x12}");
    let out = check_on(&x12, &Options::default(), TODAY);
    assert!(out.is_valid() && !out.repaired(), "{:?}", out.errors);
}

#[test]
fn the_payer_name_comes_from_configuration_when_the_request_has_none() {
    let mut env = change_envelope();
    env.payer_names
        .insert("87726".into(), "UnitedHealthcare".into());
    let req = json!({"tradingPartnerServiceId": "87726",
        "provider": {"firstName": "Ann", "lastName": "Lee", "npi": "1234567893"},
        "subscriber": {"memberId": "W123456789"}});
    let x12 = to_270(&req, &env);
    assert!(
        x12.contains("~NM1*PR*2*UnitedHealthcare*****PI*87726~"),
        "{x12}"
    );
    assert!(x12.contains("~NM1*1P*1*Lee*Ann****XX*1234567893~"), "{x12}");
    assert!(
        x12.contains("~EQ*30~"),
        "STC 30 when nothing is asked: {x12}"
    );
    let named = json!({"tradingPartnerServiceId": "87726", "tradingPartnerName": "UHC",
        "provider": {"organizationName": "X", "npi": "1234567893"},
        "subscriber": {"memberId": "W123456789"}});
    assert!(to_270(&named, &env).contains("~NM1*PR*2*UHC*****PI*87726~"));
}

#[test]
fn one_eq_per_service_type_then_procedures_with_iii_and_ref_in_the_first_loop() {
    let req = json!({"tradingPartnerServiceId": "87726",
        "provider": {"organizationName": "X", "npi": "1234567893", "taxId": "123456789"},
        "portalUsername": "user1",
        "subscriber": {"memberId": "W123456789", "spendDownAmount": "100.50",
            "healthCareCodeInformation": [{"diagnosisTypeCode": "ABK", "diagnosisCode": "E119"},
                {"diagnosisTypeCode": "ABF", "diagnosisCode": "I10"}]},
        "encounter": {"dateOfService": "20260110", "serviceTypeCodes": ["30", "98"],
            "productOrServiceIDQualifier": "HC", "procedureCode": "99213",
            "procedureModifiers": ["25"], "diagnosisCodePointer": ["1", "2"],
            "medicalProcedures": [{"productOrServiceIDQualifier": "HC", "procedureCode": "97110"}],
            "industryCode": "11", "priorAuthorizationOrReferralNumber": "AUTH1",
            "referenceIdentificationQualifier": "G1"}});
    let x12 = to_270(&req, &change_envelope());
    let tail = &x12[x12.find("~HL*3*").unwrap()..];
    assert!(
        tail.contains("~REF*TJ*123456789~REF*JD*user1~")
            || x12.contains("~REF*TJ*123456789~REF*JD*user1~"),
        "the losing tax ID becomes REF*TJ: {x12}"
    );
    assert!(
        tail.contains("~HI*ABK:E119*ABF:I10~DTP*291*D8*20260110~EQ*30~AMT*R*100.50~III*ZZ*11~REF*G1*AUTH1~EQ*98~EQ**HC:99213:25***1:2~EQ**HC:97110~SE*"),
        "{tail}"
    );
    let out = check_on(&x12, &Options::default(), TODAY);
    assert!(out.is_valid() && !out.repaired(), "{:?}", out.errors);
}

// ---- the property ---------------------------------------------------------------------------

fn npi() -> impl Strategy<Value = String> {
    "[1-2][0-9]{8}".prop_map(|nine| {
        (0..10)
            .map(|d| format!("{nine}{d}"))
            .find(|n| eligibility_gateway::eligibility::request::check::npi_check_digit_ok(n))
            .unwrap()
    })
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2026, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}"))
}

fn name(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z][A-Za-z.'-]{{0,{}}}", max - 1)).unwrap()
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9-]{1,20}"
}

fn address() -> impl Strategy<Value = Value> {
    (
        name(20),
        option::of(name(20)),
        name(20),
        "[A-Z]{2}",
        "[0-9]{5}",
    )
        .prop_map(|(a1, a2, city, state, zip)| {
            json!({"address1": a1, "address2": a2, "city": format!("C{city}"), "state": state,
                "postalCode": zip})
        })
}

const STCS: &[&str] = &[
    "30", "1", "33", "35", "47", "48", "50", "86", "88", "98", "A7", "UC", "MH", "AL",
];
const POS: &[&str] = &["11", "22", "02", "21", "23"];

fn person(dependent: bool) -> impl Strategy<Value = Value> {
    (
        (
            id(),
            name(35),
            name(60),
            option::of(name(25)),
            option::of((date(), option::of(prop_oneof!["M", "F"]))),
        ),
        (
            option::of(id()),
            option::of("[0-9]{9}"),
            option::of(id()),
            option::of(address()),
        ),
        (
            0usize..4,
            option::of(prop_oneof!["01", "19", "34"]),
            option::of("[1-9]"),
            option::of(date()),
        ),
        option::of(("[A-Z]{2}", "[A-Za-z0-9]{3,10}")),
        (
            option::of(id()),
            option::of(id()),
            option::of((date(), date())),
        ),
    )
        .prop_map(
            move |(
                (mid, first, last, middle, born),
                (group, ssn, card, addr),
                (hi, rel, seq, issued),
                prv,
                (plan, account, plan_dates),
            )| {
                let (dob, gender) = born.map_or((None, None), |(d, g)| (Some(d), g));
                let mut p = json!({"firstName": first, "lastName": last, "middleName": middle,
                "dateOfBirth": dob, "gender": gender, "groupNumber": group, "ssn": ssn,
                "idCard": card, "address": addr, "idCardIssueDate": issued});
                if !dependent {
                    p["memberId"] = json!(mid);
                    p["birthSequenceNumber"] = json!(seq);
                } else if let Some(rel) = rel {
                    p["individualRelationshipCode"] = json!(rel);
                    p["birthSequenceNumber"] = json!(seq);
                }
                p["additionalIdentification"] =
                    json!({"planNumber": plan, "patientAccountNumber": account});
                if let Some((a, b)) = plan_dates {
                    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                    p["beginningCardIssueDate"] = json!(lo);
                    p["endCardIssueDate"] = json!(hi);
                    p.as_object_mut().unwrap().remove("idCardIssueDate");
                }
                if hi > 0 {
                    let codes: Vec<Value> = (0..hi)
                        .map(|i| {
                            json!({"diagnosisTypeCode": if i == 0 { "ABK" } else { "ABF" },
                        "diagnosisCode": format!("E11{i}")})
                        })
                        .collect();
                    p["healthCareCodeInformation"] = json!(codes);
                }
                if let Some((_, taxonomy)) = prv {
                    p["providerCode"] = json!("PE");
                    p["referenceIdentificationQualifier"] = json!("PXC");
                    p["providerIdentifier"] = json!(taxonomy);
                }
                p
            },
        )
}

fn request() -> impl Strategy<Value = Value> {
    (
        (option::of("[0-9]{9}"), "[A-Za-z0-9]{2,10}", option::of(name(30)), any::<bool>()),
        (any::<bool>(), name(35), npi(), option::of("[0-9]{9}"), option::of(address()),
            option::of(("[A-Za-z0-9]{1,20}", prop_oneof!["AD", "PE", "RF"]))),
        (option::of(id()), option::of(id()), option::of(id())),
        (person(false), option::of(person(true))),
        option::of((
            prop_oneof![Just(0u8), Just(1), Just(2)],
            date(),
            date(),
            proptest::sample::subsequence(STCS, 0..5),
            option::of(("[0-9]{5}", proptest::collection::vec("[0-9A-Z]{2}", 0..4))),
            option::of(proptest::sample::select(POS)),
            option::of(("[A-Z0-9]{4,12}", prop_oneof!["9F", "G1"])),
            0usize..3,
        )),
        option::of("[0-9]{1,5}\\.[0-9]{2}"),
    )
        .prop_map(|((control, payer, payer_name, change_style), (org, pname, npi, tax, paddr, prv), (portal_user, portal_pass, license), (sub, dep), enc, spend)| {
            let provider = if org {
                json!({"organizationName": pname, "npi": npi, "taxId": tax, "address": paddr,
                    "medicaidProviderNumber": tax, "providerType": "hospital"})
            } else {
                json!({"firstName": pname, "lastName": format!("L{pname}"), "npi": npi, "taxId": tax, "address": paddr})
            };
            let mut r = json!({"controlNumber": control, "tradingPartnerServiceId": payer,
                "tradingPartnerName": payer_name, "provider": provider, "subscriber": sub,
                "portalUsername": portal_user, "portalPassword": portal_pass});
            if let Some((taxonomy, code)) = prv {
                r["provider"]["providerCode"] = json!(code);
                r["provider"]["referenceIdentification"] = json!(taxonomy);
            }
            if let Some(l) = license {
                if change_style {
                    r["informationReceiverName"] = json!({"stateLicenceNumber": l,
                        "informationReceiverAdditionalIdentifierState": "TN"});
                } else {
                    r["provider"]["stateLicenceNumber"] = json!(l);
                    r["provider"]["informationReceiverAdditionalIdentifierState"] = json!("TN");
                }
            }
            let has_dep = dep.is_some();
            if let Some(d) = dep {
                r["dependents"] = json!([d]);
            } else if let Some(s) = spend {
                r["subscriber"]["spendDownAmount"] = json!(s);
            }
            let patient_hi = if has_dep { &r["dependents"][0] } else { &r["subscriber"] }
                ["healthCareCodeInformation"]
                .as_array()
                .map_or(0, Vec::len);
            if let Some((dates, a, b, stcs, proc_, pos, auth, more)) = enc {
                let mut e = json!({});
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                match dates {
                    1 => e["dateOfService"] = json!(lo),
                    2 => {
                        e["beginningDateOfService"] = json!(lo);
                        e["endDateOfService"] = json!(hi);
                    }
                    _ => {}
                }
                if !stcs.is_empty() {
                    e["serviceTypeCodes"] = json!(stcs);
                }
                if let Some((code, mods)) = proc_ {
                    e["productOrServiceIDQualifier"] = json!("HC");
                    e["procedureCode"] = json!(code);
                    if !mods.is_empty() {
                        e["procedureModifiers"] = json!(mods);
                    }
                    if patient_hi > 0 {
                        e["diagnosisCodePointer"] = json!(["1"]);
                    }
                }
                let procs: Vec<Value> = (0..more)
                    .map(|i| json!({"productOrServiceIDQualifier": "CJ", "procedureCode": format!("9711{i}")}))
                    .collect();
                if !procs.is_empty() {
                    e["medicalProcedures"] = json!(procs);
                }
                e["industryCode"] = json!(pos);
                if let Some((n, q)) = auth {
                    e["priorAuthorizationOrReferralNumber"] = json!(n);
                    e["referenceIdentificationQualifier"] = json!(q);
                }
                r["encounter"] = e;
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_request_builds_a_270_the_validator_accepts_unrepaired(req in request()) {
        let parsed = parse(req.to_string().as_bytes()).unwrap();
        let problems = check(&parsed, TODAY);
        prop_assert!(problems.is_empty(), "generated request refused: {problems:?}\n{req}");
        let mut env = change_envelope();
        env.usage = "T".into();
        let x12 = build(&parsed, &env, "000000042", &stamp());
        let out = check_on(&x12, &Options { repairs: false, real_time: true }, TODAY);
        prop_assert!(out.is_valid(), "{:?}\n{x12}", out.errors);
    }
}
