//! `GET /metrics` scraped before and after traffic: counts by route, status and account, payer
//! call durations, validation problems, repairs and upstream token fetches; no PHI anywhere in the
//! exposition.

use reqwest::StatusCode;

use crate::helpers::{DEMO_KEY, RAW, RAW_BARE, SUBSCRIBER_270, TestApp, inquiry, spawn_app};

const LAST: &str = "QZMETRICSLAST";
const FIRST: &str = "XJMETRICSFIRST";
const MEMBER: &str = "MTRMBR55821";
const DOB: &str = "19660606";
const TRACE: &str = "93175-012547";

pub async fn scrape(app: &TestApp) -> String {
    let res = app
        .client()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    res.text().await.unwrap()
}

/// The value of the counting sample line starting with `series` (0 when absent).
pub fn value(text: &str, series: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.trim().parse().ok()))
        .unwrap_or(0)
}

fn phi_270(payer: &str) -> String {
    inquiry(payer, MEMBER, LAST, FIRST).replace("DMG*D8*19430519", &format!("DMG*D8*{DOB}"))
}

#[tokio::test]
async fn scrapes_count_the_traffic_between_them_and_hold_no_phi() {
    let app = spawn_app(|_| {}).await;
    let ok = format!(
        "gateway_http_requests_total{{route=\"{RAW}\",method=\"POST\",status=\"200\",account=\"demo\"}}"
    );
    let before = scrape(&app).await;
    assert_eq!(value(&before, &ok), 0);
    for (auth, path, x12, want) in [
        (DEMO_KEY, RAW, phi_270("842610001"), StatusCode::OK),
        (DEMO_KEY, RAW, phi_270("842610001"), StatusCode::OK),
        (DEMO_KEY, RAW_BARE, phi_270("842610001"), StatusCode::OK),
        // The stupidedi sample as published needs a repair (its repetition separator).
        (DEMO_KEY, RAW, SUBSCRIBER_270.to_owned(), StatusCode::OK),
        (DEMO_KEY, RAW, phi_270("000002"), StatusCode::BAD_GATEWAY),
        (
            DEMO_KEY,
            RAW,
            phi_270("842610001").replace("~DMG*", "~dmg*"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong-key",
            RAW,
            phi_270("842610001"),
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let res = app
            .post(path)
            .header("Authorization", auth)
            .json(&serde_json::json!({ "x12": x12 }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want);
    }
    let _ = app.get(&format!("/patients/{MEMBER}?dob={DOB}")).await;
    let after = scrape(&app).await;
    assert_eq!(value(&after, &ok), 3, "{after}");
    let bare = format!(
        "gateway_http_requests_total{{route=\"{RAW_BARE}\",method=\"POST\",status=\"200\",account=\"demo\"}}"
    );
    assert_eq!(value(&after, &bare), 1);
    let unauth = format!(
        "gateway_http_requests_total{{route=\"{RAW}\",method=\"POST\",status=\"401\",account=\"\"}}"
    );
    assert_eq!(value(&after, &unauth), 1);
    assert_eq!(
        value(
            &after,
            "gateway_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\",account=\"\"}"
        ),
        1,
        "raw paths never become labels"
    );
    assert_eq!(
        value(
            &after,
            &format!("gateway_http_request_duration_seconds_count{{route=\"{RAW}\"}}")
        ),
        6
    );
    assert_eq!(
        value(
            &after,
            "gateway_payer_call_duration_seconds_count{connector=\"sandbox\",outcome=\"ok\"}"
        ),
        4,
    );
    assert_eq!(
        value(
            &after,
            "gateway_payer_call_duration_seconds_count{connector=\"sandbox\",outcome=\"bad_response\"}"
        ),
        1,
        "the unreadable 271 came back from the payer, but is not ok"
    );
    assert!(
        after.contains("gateway_validation_problems_total{rule="),
        "{after}"
    );
    assert!(after.contains("gateway_repairs_total{kind="), "{after}");
    assert_eq!(
        value(&after, "gateway_account_slots_in_use{account=\"demo\"}"),
        0
    );
    // Families show once they have a series; plain counters from the start.
    for name in [
        "gateway_limiter_backend_errors_total",
        "gateway_auth_throttled_requests_total",
    ] {
        assert!(after.contains(&format!("# TYPE {name} counter")), "{name}");
        assert_eq!(value(&after, name), 0);
    }
    for phi in [
        LAST,
        FIRST,
        MEMBER,
        DOB,
        TRACE,
        "SMITH",
        "11122333301",
        "19430519",
        "ISA*",
    ] {
        assert!(!after.contains(phi), "`{phi}` in the metrics");
    }
}

#[tokio::test]
async fn metrics_can_live_on_their_own_listener_or_be_off() {
    let app = spawn_app(|s| s.metrics.listen = "127.0.0.1:0".into()).await;
    assert_eq!(app.get("/metrics").await.0, StatusCode::NOT_FOUND);
    let base = app.metrics_base.clone().expect("a metrics listener");
    let res = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("gateway_http_requests_total")
    );
    let res = reqwest::get(format!("{base}{RAW}")).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND, "only /metrics there");

    let off = spawn_app(|s| s.metrics.enabled = false).await;
    assert_eq!(off.get("/metrics").await.0, StatusCode::NOT_FOUND);
    assert!(off.metrics_base.is_none());
}

#[tokio::test]
async fn slots_in_use_and_the_accounts_429s_are_counted() {
    let app = spawn_app(|s| {
        s.limits.per_account = 1;
        s.sandbox.delay_ms = 3_000;
    })
    .await;
    let held = {
        let req = app
            .post(RAW)
            .header("Authorization", DEMO_KEY)
            .json(&serde_json::json!({ "x12": phi_270("842610001") }));
        tokio::spawn(async move { req.send().await.map(|r| r.status()) })
    };
    app.wait_for_free_slots(0).await;
    let during = scrape(&app).await;
    assert_eq!(
        value(&during, "gateway_account_slots_in_use{account=\"demo\"}"),
        1
    );
    let (status, _) = app.raw_x12(&phi_270("842610001")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let after = scrape(&app).await;
    assert_eq!(
        value(
            &after,
            "gateway_account_limit_rejections_total{account=\"demo\"}"
        ),
        1
    );
    held.abort();
}

const FETCH_OK: &str = r#"gateway_upstream_token_fetches_total{connector="optum",outcome="ok"}"#;
const FETCH_ERROR: &str =
    r#"gateway_upstream_token_fetches_total{connector="optum",outcome="error"}"#;

#[tokio::test]
async fn upstream_token_fetches_are_counted_by_connector_and_outcome() {
    use crate::connectors::{change_app, change_app_with_secret};
    use std::sync::atomic::Ordering;

    let secret = crate::fakes::unique("metrics-change-secret");
    let (app, fake, x12) = change_app(("gateway-client", &secret)).await;
    assert_eq!(
        value(&scrape(&app).await, FETCH_OK),
        0,
        "none before traffic"
    );
    for _ in 0..3 {
        let (status, body) = app.raw_x12(&x12).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let text = scrape(&app).await;
    // Three requests, one fetch: the token is cached, and the metric counts fetches.
    assert_eq!(fake.token_calls.load(Ordering::SeqCst), 1);
    assert_eq!(value(&text, FETCH_OK), 1, "{text}");
    assert_eq!(value(&text, FETCH_ERROR), 0);

    // The upstream refuses our secret: each request tries a fetch, each fetch fails.
    let (bad, fake, x12) = change_app_with_secret(("gateway-client", &secret), "wrong").await;
    for _ in 0..2 {
        let (status, body) = bad.raw_x12(&x12).await;
        assert!(status.is_server_error(), "{status}: {body}");
    }
    let text = scrape(&bad).await;
    assert_eq!(fake.token_refused.load(Ordering::SeqCst), 2);
    assert_eq!(value(&text, FETCH_ERROR), 2, "{text}");
    assert_eq!(value(&text, FETCH_OK), 0);
    assert!(
        !text.contains(&secret) && !text.contains("wrong"),
        "no secret"
    );
}

#[tokio::test]
async fn probes_and_scrapes_are_not_counted() {
    let app = spawn_app(|_| {}).await;
    for path in ["/livez", "/readyz", "/metrics"] {
        let (status, _) = app.get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    // The unmatched route is counted, so the layer was there to count.
    let (status, _) = app.get("/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let text = scrape(&app).await;
    let counted: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("gateway_http_requests_total{"))
        .collect();
    assert!(
        counted.iter().any(|l| l.contains("route=\"unmatched\"")),
        "{counted:?}"
    );
    for route in ["/livez", "/readyz", "/metrics"] {
        assert!(
            !counted
                .iter()
                .any(|l| l.contains(&format!("route=\"{route}\""))),
            "{route} counted: {counted:?}"
        );
    }
}

/// Labels a client controls cannot add series: made-up methods count as `other`; route is the
/// template (or `unmatched`), never the path sent.
#[tokio::test]
async fn made_up_methods_and_paths_add_no_series() {
    let app = spawn_app(|_| {}).await;
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap();
        let res = app
            .client()
            .request(method, format!("{}{RAW}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
        let (status, _) = app.get(&format!("/nowhere-{i}?q={i}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let text = scrape(&app).await;
    let counted: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("gateway_http_requests_total{"))
        .collect();
    assert!(
        !text.contains("MADEUP") && !text.contains("nowhere"),
        "{counted:?}"
    );
    assert!(
        counted
            .iter()
            .any(|l| l.contains("method=\"other\"") && l.contains("status=\"405\"")),
        "{counted:?}"
    );
    let other = counted
        .iter()
        .find(|l| l.contains("method=\"other\""))
        .unwrap();
    assert!(other.ends_with(" 5"), "five requests, one series: {other}");
}

/// A 271 that cannot be read (502 `INVALID_PAYER_RESPONSE`) is not an `ok` payer call.
#[tokio::test]
async fn an_unreadable_271_is_counted_as_bad_response_not_ok() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = app
        .raw_x12(&inquiry("000002", "0000000001", "DOEONE", "JOHNONE"))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    let text = scrape(&app).await;
    let series = "gateway_payer_call_duration_seconds_count{connector=\"sandbox\",outcome=";
    assert_eq!(
        value(&text, &format!("{series}\"bad_response\"}}")),
        1,
        "{text}"
    );
    assert_eq!(value(&text, &format!("{series}\"ok\"}}")), 0, "{text}");
}
