//! JSON → 276: the anchors' example requests, and for generated valid requests (on Change's and
//! Stedi's paths) the built 276 always reads back with consistent counts and HL numbering.

use eligibility_gateway::claim_status::request::{
    BuildContext, ClaimStatusRequest, Dialect, Envelope, build, check, parse, to_276_as,
};
use eligibility_gateway::claim_status::validate::{self, Options};
use eligibility_gateway::x12::Reader;
use eligibility_gateway::x12::date::Stamp;
use proptest::option;
use proptest::prelude::*;
use serde_json::{Value, json};

const TODAY: &str = "20260115";
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests"
);

fn stamp() -> Stamp {
    Stamp {
        year: 2026,
        month: 1,
        day: 15,
        hour: 9,
        minute: 30,
    }
}

fn envelope() -> Envelope {
    Envelope {
        sender_qualifier: "ZZ".into(),
        sender_id: "SUBMITTER".into(),
        receiver_qualifier: "ZZ".into(),
        receiver_id: "RECEIVER".into(),
        application_sender: "SUBMITTER".into(),
        application_receiver: "RECEIVER".into(),
        usage: "T".into(),
        trace_originator: "9EMDEON999".into(),
        payer_names: std::collections::BTreeMap::new(),
    }
}

/// The one place the built 276 is judged: the 005010X212 validator accepts it as built, with
/// repairs off (a built 276 never needs one), and its envelope, counts and HL tree agree (which
/// says more when it fails).
fn assert_valid_276(text: &str) {
    let strict = Options {
        repairs: false,
        real_time: true,
    };
    let checked = validate::check_on(text, &strict, TODAY);
    assert!(
        checked.is_valid() && checked.warnings.is_empty(),
        "the validator refuses the built 276: {:#?}\n{}",
        checked.errors,
        text.replace('~', "~\n")
    );
    if let Err(e) = structure(text) {
        panic!("{e}\n{}", text.replace('~', "~\n"));
    }
}

/// What the 276 looks like from outside: SE01 counts ST..SE, SE02 = ST02, GE/IEA count one group
/// and one transaction set with matching control numbers, HLs number from 1 with each parent
/// earlier and one level up (20 → 21 → 19 → 22 → 23), HL04 = 1 exactly when a child follows.
fn structure(text: &str) -> Result<(), String> {
    let segs: Vec<_> = Reader::new(text)
        .map_err(|e| format!("does not open: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("does not read: {e}"))?;
    let tags: Vec<&str> = segs.iter().map(|s| s.tag).collect();
    let el = |i: usize, n: usize| segs[i].element(n).unwrap_or("");
    let n = segs.len();
    if tags.first() != Some(&"ISA") || tags[1] != "GS" || tags[2] != "ST" || tags[3] != "BHT" {
        return Err(format!("header is {:?}", &tags[..4.min(n)]));
    }
    if tags[n - 3..] != ["SE", "GE", "IEA"] {
        return Err(format!("trailer is {:?}", &tags[n - 3..]));
    }
    if tags[3..n - 3]
        .iter()
        .any(|t| ["ISA", "GS", "ST", "SE", "GE", "IEA"].contains(t))
    {
        return Err("a second envelope segment inside the transaction".into());
    }
    let expect = |what: &str, got: &str, want: &str| {
        if got == want {
            Ok(())
        } else {
            Err(format!("{what} is `{got}`, expected `{want}`"))
        }
    };
    expect("GS01", el(1, 1), "HR")?;
    expect("GS08", el(1, 8), "005010X212")?;
    expect("ST01", el(2, 1), "276")?;
    expect("ST03", el(2, 3), "005010X212")?;
    expect("BHT01/02", &format!("{}*{}", el(3, 1), el(3, 2)), "0010*13")?;
    expect("SE01", el(n - 3, 1), &(n - 2 - 2).to_string())?;
    expect("SE02", el(n - 3, 2), el(2, 2))?;
    expect("GE01", el(n - 2, 1), "1")?;
    expect("GE02", el(n - 2, 2), el(1, 6))?;
    expect("IEA01", el(n - 1, 1), "1")?;
    expect("IEA02", el(n - 1, 2), el(0, 13))?;
    if el(0, 13).len() != 9 {
        return Err("ISA13 is not nine digits".into());
    }
    let hls: Vec<usize> = (0..n).filter(|&i| tags[i] == "HL").collect();
    let level = |code: &str| {
        ["20", "21", "19", "22", "23"]
            .iter()
            .position(|c| *c == code)
    };
    for (k, &i) in hls.iter().enumerate() {
        expect("HL01", el(i, 1), &(k + 1).to_string())?;
        let me = level(el(i, 3)).ok_or_else(|| format!("HL03 `{}`", el(i, 3)))?;
        if me == 0 {
            expect("HL02 of 2000A", el(i, 2), "")?;
        } else {
            let parent: usize = el(i, 2)
                .parse()
                .map_err(|_| format!("HL02 of HL {}", k + 1))?;
            if parent == 0 || parent > k {
                return Err(format!("HL {} has parent {parent}", k + 1));
            }
            let p = hls[parent - 1];
            if level(el(p, 3)) != Some(me - 1) {
                return Err(format!("HL {} ({}) under a {}", k + 1, el(i, 3), el(p, 3)));
            }
        }
        let has_child = hls
            .iter()
            .any(|&j| segs[j].element(2) == Some(&*(k + 1).to_string()));
        let hl04 = el(i, 4);
        let want = match (me, has_child) {
            (4, _) => "",
            (_, true) => "1",
            (_, false) => "0",
        };
        expect(&format!("HL04 of HL {}", k + 1), hl04, want)?;
    }
    Ok(())
}

#[test]
fn the_anchors_example_requests_build_276s_that_read_back_consistently() {
    for (file, dialect) in [
        ("optum-docs-sandbox.request.json", Dialect::Change),
        ("optum-oas-claimstatus.request.json", Dialect::Change),
        ("stedi-json-accepted-uhc.request.json", Dialect::Stedi),
        (
            "stedi-2024-12-json-denied-anthem.request.json",
            Dialect::Stedi,
        ),
    ] {
        let json = std::fs::read(format!("{FIXTURES}/{file}")).unwrap();
        let built = to_276_as(&json, &envelope(), &stamp(), dialect)
            .unwrap_or_else(|e| panic!("{file}: {e:?}"));
        assert!(built.warnings.is_empty(), "{file}: {:?}", built.warnings);
        assert_valid_276(&built.x12);
    }
}

#[test]
fn the_structure_check_can_fail() {
    let json = std::fs::read(format!("{FIXTURES}/optum-docs-sandbox.request.json")).unwrap();
    let x12 = to_276_as(&json, &envelope(), &stamp(), Dialect::Change)
        .unwrap()
        .x12;
    for (why, broken) in [
        ("SE01", x12.replace("~SE*14*", "~SE*15*")),
        ("HL parent", x12.replace("~HL*4*3*22*0~", "~HL*4*2*22*0~")),
        ("HL04", x12.replace("~HL*3*2*19*1~", "~HL*3*2*19*0~")),
        (
            "IEA02",
            x12.replace("~IEA*1*123456789~", "~IEA*1*123456780~"),
        ),
        ("GS01", x12.replace("~GS*HR*", "~GS*HS*")),
    ] {
        assert_ne!(broken, x12, "{why}: the replacement applies");
        assert!(structure(&broken).is_err(), "{why}");
    }
}

// ---- the property ---------------------------------------------------------------------------

fn npi() -> impl Strategy<Value = String> {
    "[1-2][0-9]{8}".prop_map(|nine| {
        (0..10)
            .map(|d| format!("{nine}{d}"))
            .find(|n| eligibility_gateway::json_request::npi_check_digit_ok(n))
            .unwrap()
    })
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2026, 1u32..13, 1u32..29).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}"))
}

fn name(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z][A-Za-z.' -]{{0,{}}}[A-Za-z]", max - 2))
        .unwrap()
}

fn id() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9-]{1,20}"
}

fn amount() -> impl Strategy<Value = String> {
    "[0-9]{1,6}(\\.[0-9]{2})?"
}

/// A provider: an organisation or a person, with the identifiers `ids` allows.
fn provider(kind: &'static str) -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        name(35),
        option::of(npi()),
        option::of("[0-9]{9}"),
        option::of(id()),
        option::of(id()),
        option::of(id()),
    )
        .prop_map(move |(org, nm, npi, tax, tin, spn, etin)| {
            let mut p = if org {
                json!({"organizationName": nm})
            } else {
                json!({"firstName": nm, "lastName": format!("L{nm}")})
            };
            p["providerType"] = json!(kind);
            p["npi"] = json!(npi);
            p["taxId"] = json!(tax);
            p["tin"] = json!(tin);
            p["spn"] = json!(spn);
            if kind == "BillingProvider" {
                p["etin"] = json!(etin);
            }
            let ids = ["npi", "taxId", "tin", "spn"];
            if ids.iter().all(|k| p[*k].is_null()) {
                p["npi"] = json!("1999999984");
            }
            p
        })
}

fn line(stedi: bool) -> impl Strategy<Value = Value> {
    (
        proptest::sample::select(&["AD", "ER", "HC", "HP", "IV", "N4", "NU", "WK"][..]),
        "[A-Z0-9]{3,8}",
        proptest::collection::vec("[A-Z0-9]{2}", usize::from(stedi)..5),
        amount(),
        option::of("[0-9]{4}"),
        option::of("[0-9]{1,3}"),
        option::of(id()),
        date(),
        option::of(date()),
    )
        .prop_map(move |(q, code, mods, charge, rev, units, fj, d1, d2)| {
            let mut l = json!({"productOrServiceIDQualifier": q, "procedureCode": code,
                    "lineItemChargeAmount": charge, "revenueCode": rev,
                    "unitsOfServiceCount": units.or(stedi.then(|| "1".to_owned())),
                    "lineItemControlNumber": fj, "serviceLineDate": d1});
            l["procedureModifiers"] = json!(mods);
            if let Some(d2) = d2 {
                let (lo, hi) = if d1 <= d2 { (d1, d2) } else { (d2, d1) };
                l["serviceLineDate"] = json!(lo);
                l["serviceLineEndDate"] = json!(hi);
            }
            l
        })
}

fn person(dependent: bool, stedi: bool) -> impl Strategy<Value = Value> {
    let genders: &'static [&'static str] = if stedi { &["M", "F"] } else { &["M", "F", "U"] };
    (
        id(),
        name(35),
        name(60),
        option::of("[A-Z]{2,3}"),
        (
            date(),
            option::of(proptest::sample::select(genders)),
            any::<bool>(),
        ),
        option::of(id()),
    )
        .prop_map(
            move |(member, first, last, suffix, (dob, gender, with_dob), group)| {
                let mut p = json!({"firstName": first, "lastName": last, "suffix": suffix,
                "groupNumber": group});
                if dependent || with_dob {
                    p["dateOfBirth"] = json!(dob);
                    p["gender"] = json!(gender);
                }
                if !dependent {
                    p["memberId"] = json!(member);
                }
                p
            },
        )
}

fn encounter() -> impl Strategy<Value = Value> {
    (
        0u8..3,
        date(),
        date(),
        option::of(id()),
        proptest::collection::vec(option::of(id()), 6),
        option::of(amount()),
    )
        .prop_map(|(dates, a, b, tracking, refs, amt)| {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let mut e = json!({"trackingNumber": tracking, "submittedAmount": amt});
            match dates {
                1 => e["beginningDateOfService"] = json!(lo),
                2 => {
                    e["beginningDateOfService"] = json!(lo);
                    e["endDateOfService"] = json!(hi);
                }
                _ => {}
            }
            let keys = [
                "tradingPartnerClaimNumber",
                "locationIdentifier",
                "billingType",
                "patientAccountNumber",
                "pharmacyPrescriptionNumber",
                "clearingHouseClaimNumber",
            ];
            for (k, v) in keys.iter().zip(refs) {
                e[*k] = json!(v);
            }
            e
        })
}

fn request() -> impl Strategy<Value = (bool, Value)> {
    any::<bool>().prop_flat_map(|stedi| {
        (
            Just(stedi),
            option::of("[0-9]{9}"),
            "[A-Za-z0-9]{2,10}",
            option::of(name(30)),
            (
                provider("BillingProvider"),
                option::of(provider("ServiceProvider")),
            ),
            (person(false, stedi), option::of(person(true, stedi))),
            option::of(encounter()),
            (0usize..4, any::<bool>()),
            proptest::collection::vec(line(stedi), 3),
        )
            .prop_map(
                |(
                    stedi,
                    control,
                    payer,
                    payer_name,
                    (billing, service),
                    (sub, dep),
                    enc,
                    (n, single),
                    lines,
                )| {
                    let mut providers = vec![billing];
                    providers.extend(service);
                    let mut r = json!({"controlNumber": control, "tradingPartnerServiceId": payer,
                        "tradingPartnerName": payer_name, "providers": providers,
                        "subscriber": sub, "dependent": dep, "encounter": enc});
                    if n == 1 && single {
                        r["serviceLineInformation"] = lines[0].clone();
                    } else if n > 0 {
                        r["serviceLinesInformation"] = json!(lines[..n.min(3)]);
                    }
                    (stedi, r)
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_valid_request_builds_a_276_that_reads_back_consistently((stedi, req) in request()) {
        let dialect = if stedi { Dialect::Stedi } else { Dialect::Change };
        let parsed: ClaimStatusRequest = parse(req.to_string().as_bytes()).unwrap();
        let problems = check(&parsed, TODAY, dialect);
        prop_assert!(problems.is_empty(), "generated request refused: {problems:?}\n{req}");
        let env = envelope();
        let x12 = build(&parsed, &BuildContext {
            envelope: &env,
            control_number: "000000042",
            tracking_number: "TRACK-1",
            now: &stamp(),
        });
        assert_valid_276(&x12);
        let lines = req["serviceLinesInformation"].as_array().map_or(0, Vec::len)
            + usize::from(req["serviceLineInformation"].is_object());
        prop_assert_eq!(x12.matches("~SVC*").count(), lines);
        prop_assert_eq!(x12.matches("~HL*").count(), 4 + usize::from(req["dependent"].is_object()));
        prop_assert_eq!(x12.matches("~TRN*1*").count(), 1);
    }
}
