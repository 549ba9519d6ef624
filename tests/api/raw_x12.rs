//! The eligibility route over HTTP: both paths, both key forms, the sandbox's members and scenarios.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn healthcheck_answers_ok_and_version_on_both_paths_without_auth() {
    let app = spawn_app(|_| {}).await;
    for path in [
        "/medicalnetwork/eligibility/v3/healthcheck",
        "/change/medicalnetwork/eligibility/v3/healthcheck",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            body,
            serde_json::json!({ "status": "OK", "version": env!("CARGO_PKG_VERSION") })
        );
    }
}

#[tokio::test]
async fn both_paths_and_both_key_forms_get_a_271_backed_answer() {
    let app = spawn_app(|_| {}).await;
    let x12 = member_inquiry();
    for (path, auth) in [
        (RAW, DEMO_KEY.to_owned()),
        (RAW_BARE, DEMO_KEY.to_owned()),
        (RAW, format!("Key {DEMO_KEY}")),
        (RAW_BARE, format!("Key {DEMO_KEY}")),
    ] {
        let (status, body) = app.raw_x12_with(path, Some(&auth), &x12).await;
        assert_eq!(status, StatusCode::OK, "{path} with {auth}: {body}");
        assert!(
            body["x12"].as_str().unwrap().contains("ST*271*"),
            "raw 271 included"
        );
        assert_eq!(body["subscriber"]["memberId"], "0000000001");
        assert_eq!(body["meta"]["applicationMode"], "sandbox");
    }
}

#[tokio::test]
async fn response_has_the_anchors_top_level_shape() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "meta",
            "controlNumber",
            "reassociationKey",
            "tradingPartnerServiceId",
            "provider",
            "subscriber",
            "subscriberTraceNumbers",
            "payer",
            "planInformation",
            "planDateInformation",
            "planStatus",
            "benefitsInformation",
            "errors",
            "x12"
        ]
    );
    assert_eq!(body["controlNumber"], "000010216", "ISA13 of the request");
    assert_eq!(
        body["tradingPartnerServiceId"], "842610001",
        "2100A NM109 of the request"
    );
    assert_eq!(body["meta"]["outboundTraceId"], "10001234");
    assert!(
        body["meta"]["traceId"]
            .as_str()
            .is_some_and(|t| t.len() == 36)
    );
    assert_eq!(body["payer"]["name"], "ABC COMPANY");
    assert_eq!(body["provider"]["providerName"], "BONE AND JOINT CLINIC");
    assert_eq!(
        body["subscriberTraceNumbers"][0]["referenceIdentification"],
        "93175-012547"
    );
    assert_eq!(body["planStatus"][0]["status"], "Active Coverage");
    let b = body["benefitsInformation"].as_array().unwrap();
    assert!(b.len() >= 15, "a realistic set of EB segments");
    assert!(
        b.iter()
            .any(|e| e["code"] == "C" && e["timeQualifierCode"] == "29"),
        "remaining deductible"
    );
}

#[tokio::test]
async fn unknown_member_gets_aaa_75_at_2100c_with_200() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.raw_x12(SUBSCRIBER_270).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["code"], "75");
    assert_eq!(
        body["errors"][0]["description"],
        "Subscriber/Insured Not Found"
    );
    assert_eq!(body["errors"][0]["location"], "Loop 2100C");
    assert_eq!(body["subscriber"]["aaaErrors"][0]["code"], "75");
    assert_eq!(
        body["subscriber"]["lastName"], "SMITH",
        "the subscriber is echoed"
    );
}

async fn scenario(app: &crate::helpers::TestApp, payer: &str) -> (StatusCode, Value) {
    app.raw_x12(&inquiry(payer, "0000000001", "DOEONE", "JOHNONE"))
        .await
}

#[tokio::test]
async fn test_payer_ids_reproduce_change_sandbox_scenarios() {
    let app = spawn_app(|_| {}).await;

    let (s, b) = scenario(&app, "00001").await;
    assert_eq!(
        (s, b["benefitsInformation"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1)),
        "00001: one plan"
    );
    assert_eq!(
        b["tradingPartnerServiceId"], "00001",
        "payer IDs stay strings"
    );

    let (s, b) = scenario(&app, "00004").await;
    assert_eq!(
        (s, &b["errors"][0]["code"], &b["errors"][0]["location"]),
        (
            StatusCode::OK,
            &Value::from("50"),
            &Value::from("Loop 2100B")
        )
    );

    let (s, b) = scenario(&app, "00006").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b["errors"][0]["code"], "42");
    assert_eq!(b["errors"][0]["followupAction"], "Resubmission Allowed");
    assert_eq!(b["errors"][0]["location"], "Loop 2000A");
    assert!(
        b["x12"]
            .as_str()
            .unwrap()
            .contains("HL*1**20*0~AAA*Y**42*R~")
    );

    let (s, b) = scenario(&app, "00009").await;
    assert_eq!(
        (s, &b["dependents"][0]["relationToSubscriber"]),
        (StatusCode::OK, &Value::from("Child"))
    );

    let (s, b) = scenario(&app, "000030").await;
    let codes: Vec<_> = b["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!((s, codes), (StatusCode::OK, vec!["73", "58"]));

    let (_, b) = scenario(&app, "000031").await;
    assert_eq!(b["benefitsInformation"][0]["name"], "Inactive");

    let (_, b) = scenario(&app, "000041").await;
    let names: Vec<_> = b["benefitsInformation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Inactive", "Other Source of Data"]);

    let (_, b) = scenario(&app, "000050").await;
    let b = b["benefitsInformation"].as_array().unwrap();
    assert!(b.iter().any(|e| e["code"] == "B") && b.iter().any(|e| e["code"] == "A"));
    assert!(
        b.iter()
            .all(|e| e["code"] != "C" || e["benefitAmount"] == "0"),
        "no deductible"
    );
}

#[tokio::test]
async fn dependent_inquiry_gets_dependents() {
    let app = spawn_app(|_| {}).await;
    let x12 = DEPENDENT_270
        .replace("MI*11122333301", "MI*0000000002")
        .replace("SMITH*MARY", "DOEONE*JANEONE");
    let (status, body) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dependents"][0]["firstName"], "JANEONE");
    assert_eq!(
        body["subscriberTraceNumbers"][0]["referenceIdentification"],
        "93175-012547"
    );
}

#[tokio::test]
async fn badly_formatted_payer_271_is_a_clear_502_not_a_500() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = scenario(&app, "000002").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("element delimiter"),
        "{body}"
    );
    assert!(
        body["x12"].as_str().unwrap().starts_with("ISAX"),
        "the raw answer goes back to the caller"
    );
}
