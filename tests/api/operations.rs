//! Probes, request IDs and `Cache-Control: no-store`, over HTTP to the real server.

use reqwest::StatusCode;

use crate::helpers::{DEMO_KEY, RAW, logs_text, member_inquiry, request_id, spawn_app};
use eligibility_gateway::http::probes::NotReady;

#[tokio::test]
async fn probes_answer_without_auth_and_are_not_logged() {
    let app = spawn_app(|_| {}).await;
    let live = app.post("/livez").send().await.unwrap();
    assert_eq!(live.status(), StatusCode::METHOD_NOT_ALLOWED);
    let (status, body) = app.get("/livez").await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &"OK".into()));
    let (status, body) = app.get("/readyz").await;
    assert_eq!((status, &body["status"]), (StatusCode::OK, &"READY".into()));
    // Another component (the limiter's backend) can make the gateway unready.
    app.state.readiness.set(NotReady::LimiterBackend, true);
    let res = app
        .client()
        .get(format!("{}/readyz", app.base))
        .header("x-request-id", "probe-not-logged-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["reasons"],
        serde_json::json!(["limiter_backend_unreachable"])
    );
    app.state.readiness.set(NotReady::LimiterBackend, false);
    assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
    assert!(!logs_text().contains("probe-not-logged-1"));
}

async fn id_after(app: &crate::helpers::TestApp, sent: &str) -> (String, serde_json::Value) {
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .header("x-request-id", sent)
        .json(&serde_json::json!({ "x12": member_inquiry() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let id = request_id(&res);
    (id, res.json().await.unwrap())
}

#[tokio::test]
async fn a_plain_caller_request_id_is_kept_and_an_odd_one_replaced() {
    let app = spawn_app(|_| {}).await;
    let (id, body) = id_after(&app, "caller-id.1_2:3").await;
    assert_eq!(id, "caller-id.1_2:3");
    assert_eq!(body["meta"]["traceId"], "caller-id.1_2:3");
    for odd in [
        "x".repeat(65),
        "x".repeat(300 * 1024),
        "SMITH ROBERT 19430519".to_owned(),
        "a/b".to_owned(),
        "ID\"quoted".to_owned(),
    ] {
        let (id, body) = id_after(&app, &odd).await;
        assert_ne!(id, odd);
        let parsed = uuid::Uuid::parse_str(&id).expect("a generated UUID");
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(body["meta"]["traceId"], id.as_str());
        assert!(logs_text().contains(&id));
    }
    assert!(!logs_text().contains("SMITH ROBERT 19430519"));
    assert!(!logs_text().contains(&"x".repeat(65)));
}

#[tokio::test]
async fn every_answer_says_no_store() {
    let app = spawn_app(|_| {}).await;
    let cases = [
        (
            Some(DEMO_KEY),
            serde_json::json!({ "x12": member_inquiry() }),
            StatusCode::OK,
        ),
        (
            Some(DEMO_KEY),
            serde_json::json!({ "x12": "ISA*bad" }),
            StatusCode::BAD_REQUEST,
        ),
        (
            None,
            serde_json::json!({ "x12": member_inquiry() }),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Some(DEMO_KEY),
            serde_json::json!({ "nope": 1 }),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (auth, body, want) in cases {
        let mut req = app.post(RAW).json(&body);
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), want);
        assert_eq!(
            res.headers().get("cache-control").unwrap(),
            "no-store",
            "{want}"
        );
    }
    let res = app.post("/nowhere").send().await.unwrap();
    assert_eq!(res.headers().get("cache-control").unwrap(), "no-store");
}
