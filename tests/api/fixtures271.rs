//! Every fixture that holds a 271 (or a 999), by name, compiled in; a test keeps the list complete.

/// One 271 fixture: a short name for its snapshot and its bytes.
pub struct Fixture {
    /// Snapshot name.
    pub name: &'static str,
    /// Path under `tests/fixtures`.
    pub path: &'static str,
    /// The document, byte-exact.
    pub x12: &'static str,
}

macro_rules! fixture {
    ($name:literal, $path:literal) => {
        Fixture {
            name: $name,
            path: $path,
            x12: include_str!(concat!("../fixtures/", $path)),
        }
    };
}

/// The anchor's published 271, then every public 271 sample.
pub const ALL: &[Fixture] = &[
    fixture!(
        "anchor_stedi_2024_acme_janedoe",
        "anchor/stedi-2024-rawx12-acme-janedoe.response.271.x12"
    ),
    fixture!(
        "kartik_271_active_response",
        "x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_active_response.x12"
    ),
    fixture!(
        "kartik_271_ls_le_wrapper",
        "x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_ls_le_wrapper.x12"
    ),
    fixture!(
        "kartik_271_multiple_eb_segments",
        "x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_multiple_eb_segments.x12"
    ),
    fixture!(
        "kartik_271_rejected_subscriber",
        "x12/Kartik-Hirijaganer-X12-Parser-Encoder/271_rejected_subscriber.x12"
    ),
    fixture!(
        "kartik_gainwell_271_redacted",
        "x12/Kartik-Hirijaganer-X12-Parser-Encoder/gainwell_271_redacted.edi"
    ),
    fixture!(
        "lfh_dependent_health_benefit_check",
        "x12/LinuxForHealth-x12/dependent-health-benefit-check.271"
    ),
    fixture!(
        "lfh_subscriber_health_benefit_check",
        "x12/LinuxForHealth-x12/subscriber-health-benefit-check.271"
    ),
    fixture!(
        "lfh_subscriber_health_benefit_check_error",
        "x12/LinuxForHealth-x12/subscriber-health-benefit-check-error.271"
    ),
    fixture!("imsweb_x271", "x12/imsweb-x12-parser/x271.txt"),
    fixture!(
        "stupidedi_271_response_dependent",
        "x12/irobayna-stupidedi/271-X279-response-dependent.edi"
    ),
    fixture!(
        "stupidedi_271_response_subscriber",
        "x12/irobayna-stupidedi/271-X279-response-subscriber.edi"
    ),
    fixture!(
        "stupidedi_271_error_not_eligible_for_inquiries",
        "x12/irobayna-stupidedi/271-X279A1-error-not-eligible-for-inquiries.edi"
    ),
];

/// Whether a document holds a 271 or 999 transaction set, whatever its delimiters.
fn holds_response(text: &str) -> bool {
    let Some(sep) = text.trim_start().as_bytes().get(3).map(|b| *b as char) else {
        return false;
    };
    ["271", "999"]
        .iter()
        .any(|t| text.contains(&format!("ST{sep}{t}{sep}")))
}

#[test]
fn the_list_holds_every_fixture_with_a_271_or_999() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut found = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(root)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // Claim status answers (277s and the 999 to a 276) are `fixtures277`'s.
                if !path.ends_with("claimstatus") {
                    dirs.push(path);
                }
            } else if let Ok(text) = std::fs::read_to_string(&path)
                && holds_response(&text)
            {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push(rel);
            }
        }
    }
    found.sort();
    let mut listed: Vec<_> = ALL.iter().map(|f| f.path.to_owned()).collect();
    listed.sort();
    assert_eq!(found, listed);
}
