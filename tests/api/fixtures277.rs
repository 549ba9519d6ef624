//! Every fixture that holds a 277 (or a 999 answering a 276), by name, compiled in; a test keeps
//! the list complete.

pub use crate::fixtures271::Fixture;

macro_rules! fixture {
    ($name:literal, $path:literal) => {
        Fixture {
            name: $name,
            path: $path,
            x12: include_str!(concat!("../fixtures/claimstatus/", $path)),
        }
    };
}

/// The anchor's published 277s and 999, then every public 277 sample.
pub const ALL: &[Fixture] = &[
    fixture!(
        "anchor_stedi_json_accepted_uhc",
        "anchor/stedi-json-accepted-uhc.response.277.x12"
    ),
    fixture!(
        "anchor_stedi_rawx12_accepted_uhc",
        "anchor/stedi-rawx12-accepted-uhc.response.277.x12"
    ),
    fixture!(
        "anchor_stedi_rawx12_999_validation",
        "anchor/stedi-rawx12-999-validation.response.999.x12"
    ),
    fixture!(
        "lfh_claim_level_status",
        "LinuxForHealth-x12/claim-level-status.277"
    ),
    fixture!(
        "lfh_claim_level_status_ncpdp",
        "LinuxForHealth-x12/claim-level-status-ncpdp.277"
    ),
    fixture!("lfh_demo", "LinuxForHealth-x12/demo.277"),
    fixture!(
        "lfh_information_receiver_level_status",
        "LinuxForHealth-x12/information-receiver-level-status.277"
    ),
    fixture!(
        "lfh_provider_level_status",
        "LinuxForHealth-x12/provider-level-status.277"
    ),
    fixture!(
        "stupidedi_277_hr277_pass_1",
        "irobayna-stupidedi/277-HR277-pass-1.era"
    ),
    fixture!(
        "stupidedi_277_claim_ncpdp_response",
        "irobayna-stupidedi/277-claim-ncpdp-response.edi"
    ),
    fixture!(
        "stupidedi_277_claim_response",
        "irobayna-stupidedi/277-claim-response.edi"
    ),
    fixture!(
        "stupidedi_277_info_receiver_response",
        "irobayna-stupidedi/277-info-receiver-response.edi"
    ),
    fixture!(
        "stupidedi_277_provider_response",
        "irobayna-stupidedi/277-provider-response.edi"
    ),
];

/// Every 277/999 file under `tests/fixtures/claimstatus` is in `ALL` (a new one needs a snapshot).
#[test]
fn every_277_fixture_is_listed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/claimstatus");
    let mut on_disk = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let p = f.unwrap().path();
            let rel = p
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            // 276 requests (the 276 validator's fixtures) are no answers.
            let request = p.extension().is_some_and(|e| e == "276")
                || p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("276-"));
            if p.extension().is_none_or(|e| e != "json") && !request {
                on_disk.push(rel);
            }
        }
    }
    on_disk.sort();
    let mut listed: Vec<String> = ALL.iter().map(|f| f.path.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);
}
