//! Issue 18: bodies built to cost CPU are refused in linear time, off the async workers, and a
//! valid request on another connection is answered while they are being checked.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{DEMO_KEY, RAW, TestApp, member_inquiry, spawn_app};

/// The sandbox member's 270 with `fill` before its SE.
fn filled(fill: &str) -> String {
    let base = member_inquiry();
    let se = base.find("SE*").expect("an SE");
    format!("{}{fill}{}", &base[..se], &base[se..])
}

/// Segments before the SE of the member inquiry.
fn before_se() -> usize {
    let base = member_inquiry();
    base[..base.find("SE*").unwrap()].matches('~').count()
}

/// POSTs `x12` on a connection of its own (a fresh client), in the background.
fn post_in_background(app: &TestApp, x12: String) -> tokio::task::JoinHandle<(StatusCode, Value)> {
    let url = format!("{}{RAW}", app.base);
    tokio::spawn(async move {
        let res = reqwest::Client::new()
            .post(url)
            .header("Authorization", DEMO_KEY)
            .json(&serde_json::json!({ "x12": x12 }))
            .send()
            .await
            .expect("POST");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    })
}

/// Waits (bounded) until `n` checks are running on blocking threads.
async fn wait_for_running(app: &TestApp, n: usize) {
    for _ in 0..2000 {
        if app.state.cpu.running() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!(
        "{n} checks never ran at once (running: {})",
        app.state.cpu.running()
    );
}

/// The answer to a body filled with `width`-byte segments past the limit.
fn assert_too_many_segments(status: StatusCode, body: &Value, width: usize) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["rule"], "too_many_segments");
    assert_eq!(errors[0]["segmentPosition"], 20_001);
    let offset = member_inquiry().find("SE*").unwrap() + (20_001 - 1 - before_se()) * width;
    assert_eq!(errors[0]["byteOffset"], offset, "{body}");
}

#[tokio::test]
async fn the_issues_inputs_are_refused_with_positioned_errors() {
    let app = spawn_app(|_| {}).await;
    // 600,000 empty segments (600 KB, under the body limit), then 40,000 unknown ones.
    let (status, body) = app.raw_x12(&filled(&"~".repeat(600_000))).await;
    assert_too_many_segments(status, &body, 1);
    let (status, body) = app.raw_x12(&filled(&"X~".repeat(40_000))).await;
    assert_too_many_segments(status, &body, 2);
    // 19,000 empty segments, under the limit: 200 problems, then the count of the rest.
    let (status, body) = app.raw_x12(&filled(&"~".repeat(19_000))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 201);
    assert!(errors[..200].iter().all(|e| e["rule"] == "bad_segment_id"));
    assert_eq!(errors[200]["rule"], "too_many_problems");
    assert_eq!(
        errors[200]["description"],
        "18800 more problem(s) were found and are not listed."
    );
    // An empty 270 names where the ISA was expected.
    let (status, body) = app.raw_x12("  ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["rule"], "empty_input");
    assert_eq!(body["errors"][0]["segmentPosition"], 1);
    assert_eq!(body["errors"][0]["byteOffset"], 2);
}

#[tokio::test]
async fn a_valid_request_is_answered_while_worst_case_bodies_are_checked() {
    let app = spawn_app(|s| s.validation.cpu_workers = 2).await;
    // Worst-case bodies fill every CPU permit and are held there (their checks are done but
    // cannot finish), a third waits for a permit: all three are in flight.
    let hold = app.state.cpu.hold();
    let heavy: Vec<_> = (0..3)
        .map(|_| post_in_background(&app, filled(&"~".repeat(600_000))))
        .collect();
    wait_for_running(&app, 2).await;
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subscriber"]["memberId"], "0000000001");
    assert_eq!(
        app.state.cpu.running(),
        2,
        "the heavy checks are still running"
    );
    assert!(heavy.iter().all(|h| !h.is_finished()), "and unanswered");
    drop(hold);
    for h in heavy {
        let (status, body) = h.await.expect("heavy request");
        assert_too_many_segments(status, &body, 1);
    }
    assert_eq!(app.state.cpu.running(), 0);
}

#[tokio::test]
async fn a_check_that_cannot_start_within_its_budget_gets_503_not_500() {
    let app = spawn_app(|s| {
        s.validation.cpu_workers = 1;
        s.validation.cpu_budget_ms = 50;
    })
    .await;
    let hold = app.state.cpu.hold();
    let first = post_in_background(&app, filled(&"~".repeat(30_000)));
    wait_for_running(&app, 1).await;
    // The only permit is taken: the second body waits for it until its budget is spent.
    let (status, body) = app.raw_x12(&filled(&"~".repeat(30_000))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("CPU budget of 50 ms"),
        "{body}"
    );
    drop(hold);
    let (status, _) = first.await.expect("first request");
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // Small bodies are checked inline and are answered as usual.
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn two_authorization_headers_are_refused_naming_the_header() {
    let app = spawn_app(|_| {}).await;
    // Even two copies of the valid key: which one counts would be a guess.
    for second in [DEMO_KEY, "Bearer forged"] {
        let res = app
            .post(RAW)
            .header("Authorization", DEMO_KEY)
            .header("Authorization", second)
            .json(&serde_json::json!({ "x12": member_inquiry() }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "BAD_REQUEST");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("`Authorization` header"),
            "{body}"
        );
    }
    let basic = "Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveC1zZWNyZXQ=";
    let res = app
        .post(crate::helpers::TOKEN)
        .header("Authorization", basic)
        .header("Authorization", basic)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("`Authorization` header")
    );
    // One is still fine.
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_json_request_with_thousands_of_problems_gets_a_bounded_list() {
    let app = spawn_app(|_| {}).await;
    // 30,000 wrong-typed service type codes (a ~200 KB body, checked in the CPU pool).
    let mut req = crate::json_endpoint::bare_minimum();
    req["encounter"]["serviceTypeCodes"] = serde_json::json!(vec![7; 30_000]);
    let res = app
        .post(crate::json_endpoint::STEDI)
        .header("Authorization", DEMO_KEY)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    let fields = body["fieldList"].as_array().expect("fieldList");
    assert_eq!(fields.len(), 201, "{}", fields.len());
    // The first is the count limit, then one per item; the last counts the rest.
    let last = fields[200]["message"].as_str().unwrap();
    assert!(
        last.contains("more problem(s) were found and are not listed"),
        "{last}"
    );
    let more: usize = last
        .split(' ')
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert_eq!(200 + more, 30_001, "{last}");
}
