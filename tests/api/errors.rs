//! Every non-200 is JSON in the anchors' shapes, and says what is wrong and where.

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn missing_and_wrong_credentials_get_401_json() {
    let app = spawn_app(|_| {}).await;
    let x12 = member_inquiry();
    for (auth, why) in [
        (None, "missing"),
        (Some("not-a-key"), "wrong key"),
        (Some("Key wrong"), "wrong Key form"),
        (Some("Bearer abc"), "unknown scheme"),
    ] {
        let (status, body) = app.raw_x12_with(RAW, auth, &x12).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(body["code"], "UNAUTHORIZED", "{why}");
        assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{why}"
        );
    }
}

#[tokio::test]
async fn oversized_body_gets_413_json() {
    let app = spawn_app(|s| s.server.max_body_bytes = 4096).await;
    let big = "A".repeat(10_000);
    let (status, body) = app.raw_x12(&big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    assert!(body["message"].as_str().unwrap().contains("4096"));
}

#[tokio::test]
async fn non_json_and_missing_x12_get_400_saying_so() {
    let app = spawn_app(|_| {}).await;
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .header("Content-Type", "application/json")
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );

    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&serde_json::json!({ "externalPatientId": "p-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["fieldList"][0]["path"], "x12");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("`x12` is required")
    );
}

#[tokio::test]
async fn external_patient_id_is_accepted_and_ignored() {
    let app = spawn_app(|_| {}).await;
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&serde_json::json!({ "x12": member_inquiry(), "externalPatientId": "abc-123" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn unreadable_270_gets_400_naming_segment_and_position() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.raw_x12("HELLO*WORLD~").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], "ERROR");
    let e = &body["errors"][0];
    assert_eq!(e["code"], "71");
    assert_eq!(e["followupAction"], "Please Correct and Resubmit");
    assert!(e["description"].as_str().unwrap().contains("ISA"));
    assert_eq!(e["byteOffset"], 0);

    let broken = member_inquiry().replace("~DMG*", "~dmg*");
    let (status, body) = app.raw_x12(&broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let e = &body["errors"][0];
    assert_eq!(
        e["segmentPosition"], 10,
        "{body}: position in the transaction set, ST = 1"
    );
    assert_eq!(e["rule"], "bad_segment_id");
    assert_eq!(e["byteOffset"], broken.find("dmg*").unwrap());
}

#[tokio::test]
async fn missing_subscriber_level_is_reported_by_loop() {
    let app = spawn_app(|_| {}).await;
    let x12 = SUBSCRIBER_270.replace("HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*SMITH*ROBERT****MI*11122333301~DMG*D8*19430519~DTP*291*D8*20060501~EQ*30~", "");
    let (status, body) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["location"], "Loop 2000C");
}

#[tokio::test]
async fn unknown_routes_and_methods_get_json() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app.get("/nope").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
    let (status, body) = app.get(RAW).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("METHOD_NOT_ALLOWED"))
    );
}
