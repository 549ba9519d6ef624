//! 005010X279A1 validation and repairs over HTTP: a repaired 270 gets 200 with its warnings and
//! goes to the payer repaired; an invalid one gets 400 with all its problems.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_repaired_270_gets_200_with_its_warnings() {
    let app = spawn_app(|_| {}).await;
    let messy = SUBSCRIBER_270
        .replace("MI*11122333301", "MI*0000000001")
        .replace('~', "~\r\n")
        .replacen("SE*13*1234", "SE*99*1234", 1)
        .replacen("SMITH*ROBERT", "DOE`ONE*JOHNONE", 1);
    let (status, body) = app.raw_x12(&messy).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let warnings = body["warnings"].as_array().expect("warnings");
    let codes: Vec<&str> = warnings
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "request::270::delimiters_standardised",
            "request::270::whitespace_removed",
            "request::270::backtick_replaced",
            "request::270::se01_recounted"
        ]
    );
    let se = &warnings[3];
    assert_eq!(
        (
            se["segment"].as_str(),
            se["segmentPosition"].as_u64(),
            se["element"].as_u64()
        ),
        (Some("SE"), Some(13), Some(1))
    );
    // The sandbox echoes the repaired name: the payer got the repaired 270.
    assert_eq!(body["subscriber"]["lastName"], "DOE'ONE");
}

#[tokio::test]
async fn an_invalid_270_gets_400_with_all_its_errors() {
    let app = spawn_app(|_| {}).await;
    let bad = member_inquiry()
        .replacen("BHT*0022*13", "BHT*0022*11", 1)
        .replacen("NM1*IL*1", "NM1*IL*7", 1)
        .replacen("EQ*30~", "EQ*31~", 1);
    let (status, body) = app.raw_x12(&bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], "ERROR");
    let errors = body["errors"].as_array().unwrap();
    let places: Vec<(&str, &str, u64, u64)> = errors
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap(),
                e["location"].as_str().unwrap(),
                e["segmentPosition"].as_u64().unwrap(),
                e["element"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("BHT02", "Transaction set header", 2, 2),
            ("NM102", "Loop 2100C", 9, 2),
            ("EQ01", "Loop 2110C", 12, 1)
        ]
    );
    for e in errors {
        assert_eq!(e["code"], "71");
        assert_eq!(e["followupAction"], "Please Correct and Resubmit");
        assert!(
            e["possibleResolutions"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
        assert!(e["byteOffset"].as_u64().is_some());
    }
    assert!(
        !body.to_string().contains("JOHNONE"),
        "errors never quote PHI"
    );
    assert_eq!(app.free_slots(), 5, "an invalid 270 takes no slot");
}

#[tokio::test]
async fn with_repairs_off_needed_repairs_are_errors() {
    let app = spawn_app(|s| s.validation.repairs = false).await;
    let (status, body) = app
        .raw_x12(&member_inquiry().replacen("SE*13*1234", "SE*12*1234", 1))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let rules: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"se01_recounted"), "{rules:?}");
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "a clean 270 passes");
    let (status, body) = app.raw_x12(SUBSCRIBER_270).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "the sample's `>` repetition separator is not standard"
    );
    assert_eq!(body["errors"][0]["rule"], "delimiters_standardised");
}

#[tokio::test]
async fn a_4010_request_gets_a_clear_version_error() {
    let app = spawn_app(|_| {}).await;
    let old = include_str!("../fixtures/x12/azoner-pyx12/repeat_init_seg.270.txt");
    let (status, body) = app.raw_x12(old).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["rule"], "version");
    assert!(
        body["errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("4010")
    );
}

/// `member_inquiry` in a 4010 envelope (ISA11 `U`, ISA12 `00401`) with the pre-addenda 5010
/// version in GS08 and ST03.
fn pre_addenda_inquiry() -> String {
    member_inquiry()
        .replacen("*^*00501*", "*U*00401*", 1)
        .replace("005010X279A1", "005010X279")
}

/// `member_inquiry` with HL01 numbered 10, 20, 30 and HL02 pointing at those numbers.
fn hl_by_tens_inquiry() -> String {
    member_inquiry()
        .replacen("HL*1**20*1", "HL*10**20*1", 1)
        .replacen("HL*2*1*21*1", "HL*20*10*21*1", 1)
        .replacen("HL*3*2*22*0", "HL*30*20*22*0", 1)
}

#[tokio::test]
async fn a_pre_addenda_5010_in_a_4010_envelope_is_repaired_and_reported() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.raw_x12(&pre_addenda_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let version: Vec<_> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "request::270::version_aligned")
        .collect();
    assert_eq!(version.len(), 1, "{body}");
    assert_eq!(version[0]["segment"], "ISA");
    assert_eq!(version[0]["element"], 12);
    assert_eq!(body["subscriber"]["memberId"], "0000000001", "{body}");
}

#[tokio::test]
async fn hl_numbering_by_tens_is_repaired_and_reported() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.raw_x12(&hl_by_tens_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let codes: Vec<&str> = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["request::270::hl_renumbered"], "{body}");
    assert_eq!(body["subscriber"]["memberId"], "0000000001", "{body}");
}

#[tokio::test]
async fn with_repairs_off_version_and_hl_numbering_are_errors() {
    let app = spawn_app(|s| s.validation.repairs = false).await;
    for (why, text, rule) in [
        ("4010 envelope", pre_addenda_inquiry(), "version_aligned"),
        ("HL01 by tens", hl_by_tens_inquiry(), "hl_renumbered"),
    ] {
        let (status, body) = app.raw_x12(&text).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert_eq!(body["errors"][0]["rule"], rule, "{why}: {body}");
        assert!(
            !body.to_string().contains("004010X092"),
            "{why}: not called a 4010 interchange: {body}"
        );
    }
    assert_eq!(app.free_slots(), 5, "a refused 270 takes no slot");
}
