//! Upstream faults mapped the way the anchors answer: slow → 504, refused → 503, reset → 502,
//! 5xx → 502, garbage → 502, 429 → 429. Each names the connector (never its key), frees the
//! account's slot, and leaves no credential in the logs.

use axum::Router;
use axum::http::StatusCode as AxumStatus;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::AsyncReadExt;

use crate::fakes::*;
use crate::helpers::*;

/// Sends one inquiry through a Stedi-flavoured connector to `url`; returns the answer, after
/// checking the slot came back and the key stayed out of the logs.
async fn through(url: &str, timeout_ms: u64) -> (StatusCode, Value) {
    let key = unique("fault-key");
    let secret = secret_file(&key);
    let key_file = secret.path();
    let url = url.to_owned();
    let app = spawn_app(move |s| {
        production(s);
        s.payer.timeout_ms = timeout_ms;
        s.payers
            .connectors
            .insert("flaky".into(), stedi(&url, &key_file));
        s.payers.default = "flaky".into();
    })
    .await;
    let (status, body, id) = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        app.raw_x12_traced(DEMO_KEY, &member_inquiry()),
    )
    .await
    .expect("the gateway answers");
    app.wait_for_free_slots(5).await;
    assert_not_logged(&id, &[&key]);
    (status, body)
}

async fn fake(answer: fn() -> Response) -> String {
    let router = Router::new().route("/raw-x12", post(move || async move { answer() }));
    format!("{}/raw-x12", serve(router).await)
}

fn message(body: &Value) -> &str {
    body["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn an_upstream_slower_than_the_payer_deadline_gets_504() {
    let router = Router::new().route(
        "/raw-x12",
        post(|| async { std::future::pending::<Response>().await }),
    );
    let url = format!("{}/raw-x12", serve(router).await);
    let (status, body) = through(&url, 300).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(body["code"], "GATEWAY_TIMEOUT");
    assert!(
        message(&body).contains("flaky (127.0.0.1:") && message(&body).contains("300 ms"),
        "{body}"
    );
}

#[tokio::test]
async fn a_refused_connection_gets_503() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: nothing listens there now
    let (status, body) = through(&format!("http://127.0.0.1:{port}/raw-x12"), 5_000).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert!(message(&body).contains("could not be reached"), "{body}");
    assert!(
        message(&body).contains(&format!("flaky (127.0.0.1:{port})")),
        "{body}"
    );
}

#[tokio::test]
async fn a_connection_reset_mid_request_gets_502() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = socket.read(&mut buf).await;
            let _ = socket.set_zero_linger(); // drop sends RST, not FIN
            drop(socket);
        }
    });
    let (status, body) = through(&format!("http://{addr}/raw-x12"), 5_000).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "BAD_GATEWAY");
    assert!(message(&body).contains("dropped the connection"), "{body}");
}

#[tokio::test]
async fn an_upstream_500_gets_502_naming_the_upstream() {
    let url = fake(|| (AxumStatus::INTERNAL_SERVER_ERROR, "boom").into_response()).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "BAD_GATEWAY");
    assert!(
        message(&body).contains("flaky (127.0.0.1:") && message(&body).contains("HTTP 500"),
        "{body}"
    );
    assert!(!message(&body).contains("/raw-x12"), "no URL path: {body}");
}

#[tokio::test]
async fn a_garbage_body_gets_502_invalid_payer_response() {
    let url = fake(|| (AxumStatus::OK, "<html>maintenance</html>").into_response()).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    assert!(message(&body).contains("not JSON"), "{body}");
    let url = fake(|| axum::Json(serde_json::json!({ "status": "ok" })).into_response()).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("INVALID_PAYER_RESPONSE"))
    );
    assert!(message(&body).contains("no `x12`"), "{body}");
}

#[tokio::test]
async fn an_x12_that_is_not_a_271_gets_502_with_the_document() {
    let url = fake(|| answer_271("HELLO*WORLD~")).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    assert!(message(&body).contains("flaky (127.0.0.1:"), "{body}");
    assert_eq!(body["x12"], "HELLO*WORLD~");
}

#[tokio::test]
async fn an_upstream_429_gets_429() {
    let url = fake(|| (AxumStatus::TOO_MANY_REQUESTS, "slow down").into_response()).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert!(message(&body).contains("flaky (127.0.0.1:"), "{body}");
}

#[tokio::test]
async fn a_wrong_upstream_key_gets_502_naming_the_status() {
    let (fake, url) = stedi_fake("the-right-key", SUBSCRIBER_271).await;
    let (status, body) = through(&url, 5_000).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(message(&body).contains("HTTP 403"), "{body}");
    assert_eq!(fake.refused.load(std::sync::atomic::Ordering::SeqCst), 1);
}
