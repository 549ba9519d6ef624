//! The 277s Stedi publishes with their JSON: mapped with Stedi's date style, every field the
//! shared doc says is read from the 277 equals the anchor's value. Not compared, by design
//! (`claim-status.md` §2.5, §4.4): `*Value` texts (Stedi rewrites the X12 wording; the codes are
//! compared), `providers`/`subscriber` (Stedi echoes the request), the modifier-free `service`
//! (equal), and `payer.contactInformation` (absent in these 277s).

use eligibility_gateway::claim_status::map277::{Context, DateStyle, map};
use serde_json::Value;

const PAIRS: &[(&str, &str)] = &[
    (
        include_str!("../fixtures/claimstatus/anchor/stedi-json-accepted-uhc.response.277.x12"),
        include_str!("../fixtures/claimstatus/anchor/stedi-json-accepted-uhc.response.200.json"),
    ),
    (
        include_str!("../fixtures/claimstatus/anchor/stedi-rawx12-accepted-uhc.response.277.x12"),
        include_str!("../fixtures/claimstatus/anchor/stedi-rawx12-accepted-uhc.response.200.json"),
    ),
];

fn strip_texts(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !k.ends_with("CodeValue") && k != "entity");
            m.values_mut().for_each(strip_texts);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_texts),
        _ => {}
    }
}

#[test]
fn claims_payer_and_ids_match_stedis_published_responses() {
    let ctx = Context {
        dates: DateStyle::Iso,
        ..Context::default()
    };
    for (x12, json) in PAIRS {
        let want: Value = serde_json::from_str(json).unwrap();
        let got = serde_json::to_value(map(x12, &ctx).unwrap()).unwrap();
        let (mut want_claims, mut got_claims) = (want["claims"].clone(), got["claims"].clone());
        strip_texts(&mut want_claims);
        strip_texts(&mut got_claims);
        assert_eq!(got_claims, want_claims);
        assert_eq!(got["payer"], want["payer"]);
        assert_eq!(got["controlNumber"], want["controlNumber"]);
        assert_eq!(
            got["tradingPartnerServiceId"],
            want["tradingPartnerServiceId"]
        );
        // The fixture is the `x12` string plus a trailing newline.
        assert_eq!(got["x12"].as_str().map(str::trim_end), want["x12"].as_str());
        // The texts Stedi and Change agree on.
        let cs = &got["claims"][0]["claimStatus"];
        assert_eq!(
            cs["statusCodeValue"],
            want["claims"][0]["claimStatus"]["statusCodeValue"]
        );
        assert!(got.get("warnings").is_none(), "{got}");
    }
}

#[test]
fn the_999_matches_stedis_published_response() {
    let x12 =
        include_str!("../fixtures/claimstatus/anchor/stedi-rawx12-999-validation.response.999.x12");
    let want: Value = serde_json::from_str(include_str!(
        "../fixtures/claimstatus/anchor/stedi-rawx12-999-validation.response.200.json"
    ))
    .unwrap();
    let got = serde_json::to_value(map(x12, &Context::default()).unwrap()).unwrap();
    for key in [
        "controlNumber",
        "implementationTransactionSetSyntaxError",
        "status",
        "transactionSetAcknowledgement",
    ] {
        assert_eq!(got[key], want[key], "{key}");
    }
    assert_eq!(got["x12"].as_str().map(str::trim_end), want["x12"].as_str());
}
