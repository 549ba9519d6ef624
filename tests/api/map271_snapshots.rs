//! Snapshot of the JSON for every 271 fixture (`tests/api/snapshots/`). The raw `x12`, which is
//! the input verbatim, is replaced by its length; a test checks it separately. Review a changed
//! snapshot like code: `cargo insta review` locally; CI never writes them.

use eligibility_gateway::eligibility::map271::{Context, map_all};
use serde_json::Value;

use crate::fixtures271::{ALL, Fixture};

/// The JSON `to-json` prints for `f`: one object, or an array for several subscribers.
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
            insta::assert_json_snapshot!($name, mapped(f));
        }
    )*};
}

snapshot_tests! {
    snapshot_anchor_stedi_2024_acme_janedoe => "anchor_stedi_2024_acme_janedoe",
    snapshot_kartik_271_active_response => "kartik_271_active_response",
    snapshot_kartik_271_ls_le_wrapper => "kartik_271_ls_le_wrapper",
    snapshot_kartik_271_multiple_eb_segments => "kartik_271_multiple_eb_segments",
    snapshot_kartik_271_rejected_subscriber => "kartik_271_rejected_subscriber",
    snapshot_kartik_gainwell_271_redacted => "kartik_gainwell_271_redacted",
    snapshot_lfh_dependent_health_benefit_check => "lfh_dependent_health_benefit_check",
    snapshot_lfh_subscriber_health_benefit_check => "lfh_subscriber_health_benefit_check",
    snapshot_lfh_subscriber_health_benefit_check_error => "lfh_subscriber_health_benefit_check_error",
    snapshot_imsweb_x271 => "imsweb_x271",
    snapshot_stupidedi_271_response_dependent => "stupidedi_271_response_dependent",
    snapshot_stupidedi_271_response_subscriber => "stupidedi_271_response_subscriber",
    snapshot_stupidedi_271_error_not_eligible_for_inquiries => "stupidedi_271_error_not_eligible_for_inquiries",
}

/// The HTTP body (`to_json`, sonic-rs) is byte for byte what `serde_json` writes, for every fixture
/// and for values that need escaping.
#[test]
fn response_bytes_equal_serde_json_for_every_fixture() {
    for f in ALL {
        for r in map_all(f.x12, &Context::default()).unwrap() {
            let fast = r.to_json().unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                serde_json::to_string(&r).unwrap(),
                "{}",
                f.name
            );
        }
    }
    let awkward = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:~GS*HB*A*B*20240101*1200*1*X*005010X279A1~ST*271*0001*005010X279A1~BHT*0022*11*1*20240101*1200~HL*1**20*1~NM1*PR*2*Quote \" back\\slash \u{1}ctl é ✓*****PI*P1~HL*2*1*21*1~NM1*1P*2*CLINIC*****XX*1~HL*3*2*22*0~NM1*IL*1*DOE*JANE****MI*M1~EB*1~MSG*tab\there\u{7f}~SE*10*0001~GE*1*1~IEA*1*000000001~";
    for r in map_all(awkward, &Context::default()).unwrap() {
        let fast = String::from_utf8(r.to_json().unwrap()).unwrap();
        assert!(fast.contains("back\\\\slash"), "{fast}");
        assert_eq!(fast, serde_json::to_string(&r).unwrap());
    }
}

#[test]
fn every_fixture_has_a_snapshot_test() {
    let source = include_str!("map271_snapshots.rs");
    for f in ALL {
        assert!(
            source.contains(&format!("=> \"{}\"", f.name)),
            "{} has no snapshot test",
            f.name
        );
    }
}

#[test]
fn the_gainwell_batch_maps_all_153_transaction_sets() {
    let f = ALL
        .iter()
        .find(|f| f.name == "kartik_gainwell_271_redacted")
        .unwrap();
    let all = map_all(f.x12, &Context::default()).unwrap();
    assert_eq!(all.len(), 153);
    let rejected = all.iter().filter(|r| !r.errors.is_empty()).count();
    assert_eq!(rejected, 13, "the batch holds 13 AAA rejections");
}
