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
