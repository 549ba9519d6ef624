//! Failed-authentication throttling per client address, over HTTP: API keys, bearer tokens and
//! the token endpoint; checked before the credential; a bounded log; `X-Forwarded-For` only from
//! a trusted proxy.

use reqwest::StatusCode;

use crate::helpers::{
    DEMO_CLIENT, DEMO_KEY, RAW, TOKEN, log_lines_with, member_inquiry, spawn_app,
};

async fn call(
    app: &crate::helpers::TestApp,
    auth: &str,
    id: &str,
    xff: Option<&str>,
) -> reqwest::Response {
    let mut req = app
        .post(RAW)
        .header("Authorization", auth)
        .header("x-request-id", id)
        .json(&serde_json::json!({ "x12": member_inquiry() }));
    if let Some(x) = xff {
        req = req.header("X-Forwarded-For", x);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn two_hundred_wrong_keys_get_429_and_leave_a_bounded_log() {
    let app = spawn_app(|_| {}).await;
    let mut statuses = Vec::new();
    for i in 0..200 {
        let res = call(
            &app,
            &format!("wrong-key-{i}"),
            &format!("thr-key-{i}"),
            None,
        )
        .await;
        statuses.push(res.status());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=60).contains(&retry), "{retry}");
            assert_eq!(res.headers()["cache-control"], "no-store");
            let body: serde_json::Value = res.json().await.unwrap();
            assert_eq!(body["code"], "TOO_MANY_REQUESTS");
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("failed authentication")
            );
        }
    }
    let unauthorized = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(unauthorized, 30, "auth.failures_per_minute = 30");
    assert!(
        statuses[30..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
    );
    // Checked before the credential: the right key cannot be tried while throttled.
    let res = call(&app, DEMO_KEY, "thr-key-right", None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let lines = log_lines_with("thr-key-");
    let (requests, others): (Vec<_>, Vec<_>) =
        lines.iter().partition(|l| l.get("status").is_some());
    assert_eq!(
        requests.len(),
        1,
        "one line for the first failure: {requests:?}"
    );
    assert_eq!(requests[0]["status"], 401);
    assert_eq!(
        others.len(),
        1,
        "and one when throttling starts: {others:?}"
    );
    assert!(
        others[0]["message"]
            .as_str()
            .unwrap()
            .contains("throttling this address")
    );
}

#[tokio::test]
async fn bad_bearer_tokens_and_wrong_client_secrets_count_too() {
    let app = spawn_app(|s| s.auth.failures_per_minute = 3).await;
    for i in 0..2 {
        let res = call(&app, &format!("Bearer not.a.token{i}"), "thr-bearer", None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT.0),
            ("client_secret", "wrong-secret"),
        ])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the 3rd failure is still answered"
    );
    let res = app.demo_token_response().await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let res = app.post(TOKEN).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Probes and the health check take no credential and are never throttled.
    assert_eq!(app.get("/livez").await.0, StatusCode::OK);
}

#[tokio::test]
async fn forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let app = spawn_app(|s| {
        s.auth.failures_per_minute = 3;
        s.server.trusted_proxies = vec!["127.0.0.0/8".into()];
    })
    .await;
    for _ in 0..3 {
        call(&app, "wrong", "thr-xff", Some("203.0.113.7")).await;
    }
    let res = call(&app, DEMO_KEY, "thr-xff", Some("203.0.113.7")).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = call(&app, DEMO_KEY, "thr-xff", Some("203.0.113.8")).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "another client behind the same balancer"
    );

    let app = spawn_app(|s| s.auth.failures_per_minute = 3).await;
    for _ in 0..3 {
        call(&app, "wrong", "thr-xff-untrusted", Some("203.0.113.7")).await;
    }
    let res = call(&app, DEMO_KEY, "thr-xff-untrusted", Some("203.0.113.8")).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "without a trusted proxy the header is the client's own words"
    );
}
