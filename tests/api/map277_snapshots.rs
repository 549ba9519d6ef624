//! Snapshot of the JSON for every 277 fixture (`tests/api/snapshots/`), Change's date style. The
//! raw `x12`, the input verbatim, is replaced by its length after a check. Review a changed
//! snapshot like code: `cargo insta review` locally; CI never writes them.

use eligibility_gateway::claim_status::map277::{Context, map_all};
use serde_json::Value;

use crate::fixtures277::{ALL, Fixture};

/// The JSON `to-json` prints for `f`: one object, or an array for several patients.
fn mapped(f: &Fixture) -> Value {
    let all = map_all(f.x12, &Context::default()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
    let mut values: Vec<Value> = all
        .iter()
        .map(|r| {
            assert_eq!(r.x12, f.x12, "{}: x12 is the document as received", f.name);
            let mut v = serde_json::to_value(r).unwrap();
            v["x12"] = Value::String(format!("<the document as received, {} bytes>", f.x12.len()));
            v
        })
        .collect();
    if values.len() == 1 {
        values.pop().unwrap()
    } else {
        Value::Array(values)
    }
}

macro_rules! snapshot_tests {
    ($($test:ident => $name:literal),* $(,)?) => {$(
        #[test]
        fn $test() {
            let f = ALL.iter().find(|f| f.name == $name).unwrap();
            insta::assert_json_snapshot!(concat!("map277_", $name), mapped(f));
        }
    )*};
}

snapshot_tests! {
    snapshot277_anchor_stedi_json_accepted_uhc => "anchor_stedi_json_accepted_uhc",
    snapshot277_anchor_stedi_rawx12_accepted_uhc => "anchor_stedi_rawx12_accepted_uhc",
    snapshot277_anchor_stedi_rawx12_999_validation => "anchor_stedi_rawx12_999_validation",
    snapshot277_lfh_claim_level_status => "lfh_claim_level_status",
    snapshot277_lfh_claim_level_status_ncpdp => "lfh_claim_level_status_ncpdp",
    snapshot277_lfh_demo => "lfh_demo",
    snapshot277_lfh_information_receiver_level_status => "lfh_information_receiver_level_status",
    snapshot277_lfh_provider_level_status => "lfh_provider_level_status",
    snapshot277_stupidedi_277_hr277_pass_1 => "stupidedi_277_hr277_pass_1",
    snapshot277_stupidedi_277_claim_ncpdp_response => "stupidedi_277_claim_ncpdp_response",
    snapshot277_stupidedi_277_claim_response => "stupidedi_277_claim_response",
    snapshot277_stupidedi_277_info_receiver_response => "stupidedi_277_info_receiver_response",
    snapshot277_stupidedi_277_provider_response => "stupidedi_277_provider_response",
}

/// The HTTP body (`to_json`, sonic-rs) is byte for byte what `serde_json` writes.
#[test]
fn response_bytes_equal_serde_json_for_every_277_fixture() {
    for f in ALL {
        for r in map_all(f.x12, &Context::default()).unwrap() {
            assert_eq!(
                r.to_json().unwrap(),
                serde_json::to_vec(&r).unwrap(),
                "{}",
                f.name
            );
        }
    }
}
