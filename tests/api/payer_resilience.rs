//! Per-connector deadlines, safe retries and circuit breakers, against scripted loopback
//! upstreams that count their hits.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode as AxumStatus;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fakes::*;
use crate::helpers::*;

/// One scripted answer.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// The subscriber 271.
    Ok,
    /// The 271 rejecting the inquiry (AAA).
    Aaa,
    /// This status with an optional `Retry-After` (seconds) and a JSON error body.
    Status(u16, Option<u64>),
    /// No answer until the test ends.
    Hang,
}

/// An upstream answering its script in order, then `then` forever; counts hits.
struct Scripted {
    hits: AtomicUsize,
    script: Mutex<VecDeque<Step>>,
    then: Step,
    /// Told of every hit (bounded: tests read what they expect).
    arrived: tokio::sync::mpsc::Sender<()>,
}

async fn scripted(State(fake): State<Arc<Scripted>>) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let _ = fake.arrived.try_send(());
    let step = fake.script.lock().unwrap().pop_front().unwrap_or(fake.then);
    match step {
        Step::Ok => answer_271(SUBSCRIBER_271),
        Step::Aaa => answer_271(REJECTED_271),
        Step::Status(code, after) => {
            let mut res = (
                AxumStatus::from_u16(code).unwrap(),
                axum::Json(json!({ "message": "scripted", "code": "SCRIPTED" })),
            )
                .into_response();
            if let Some(s) = after {
                res.headers_mut()
                    .insert("retry-after", s.to_string().parse().unwrap());
            }
            res
        }
        Step::Hang => {
            std::future::pending::<()>().await;
            unreachable!()
        }
    }
}

/// A scripted upstream; returns it, its raw-X12 URL and a receiver of its hits.
async fn scripted_fake(
    script: &[Step],
    then: Step,
) -> (Arc<Scripted>, String, tokio::sync::mpsc::Receiver<()>) {
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    let fake = Arc::new(Scripted {
        hits: AtomicUsize::new(0),
        script: Mutex::new(script.iter().copied().collect()),
        then,
        arrived: tx,
    });
    let router = Router::new()
        .route(&format!("/change{CHANGE_RAW}"), post(scripted))
        .with_state(Arc::clone(&fake));
    let url = format!("{}/change{CHANGE_RAW}", serve(router).await);
    (fake, url, rx)
}

/// A Stedi-flavoured connector to `url` with `extra` keys merged in.
fn with(
    url: &str,
    key_file: &str,
    extra: &Value,
) -> eligibility_gateway::config::ConnectorSettings {
    let mut v = json!({ "kind": "http", "flavor": "stedi", "url": url, "api_key_file": key_file });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    connector(v)
}

/// A gateway routing payer `<NAME>` to connector `name` for each (name, url, extra).
async fn gateway(list: Vec<(&str, String, Value)>) -> (TestApp, SecretFile) {
    let key = secret_file("k");
    let key_file = key.path();
    let app = spawn_app(|s| {
        production(s);
        for (name, url, extra) in list {
            s.payers
                .routes
                .insert(name.to_ascii_uppercase(), name.to_owned());
            s.payers
                .connectors
                .insert(name.to_owned(), with(&url, &key_file, &extra));
        }
    })
    .await;
    (app, key)
}

fn to(payer: &str) -> String {
    inquiry(payer, "0000000001", "DOEONE", "JOHNONE")
}

async fn metrics_text(app: &TestApp) -> String {
    app.client()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_connector_timeout_ms_overrides_the_payer_deadline_and_is_not_retried() {
    let (fake, url, _rx) = scripted_fake(&[], Step::Hang).await;
    let (app, _k) = gateway(vec![("slow", url, json!({ "timeout_ms": 300 }))]).await;
    let (status, body) = app.raw_x12(&to("SLOW")).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("within 300 ms"),
        "the connector's own deadline, not payer.timeout_ms: {body}"
    );
    assert_eq!(
        fake.hits.load(Ordering::SeqCst),
        1,
        "a timeout may have reached the payer"
    );
    assert_eq!(app.free_slots(), 5);
}

/// (connector, script, then, wanted status, wanted hits, retry reason when retried).
type Case = (
    &'static str,
    Vec<Step>,
    Step,
    StatusCode,
    usize,
    Option<&'static str>,
);

#[tokio::test]
async fn retryable_faults_are_retried_within_the_deadline_and_others_are_not() {
    use Step::*;
    // (connector, script, then, want status, want hits, retry reason when retried)
    let cases: Vec<Case> = vec![
        (
            "s503",
            vec![Status(503, None)],
            Ok,
            StatusCode::OK,
            2,
            Some("http_503"),
        ),
        (
            "s502",
            vec![Status(502, None)],
            Ok,
            StatusCode::OK,
            2,
            Some("http_502"),
        ),
        (
            "s429wait",
            vec![Status(429, Some(0))],
            Ok,
            StatusCode::OK,
            2,
            Some("http_429"),
        ),
        (
            "s429",
            vec![Status(429, None)],
            Ok,
            StatusCode::TOO_MANY_REQUESTS,
            1,
            None,
        ),
        (
            "s429long",
            vec![Status(429, Some(3600))],
            Ok,
            StatusCode::TOO_MANY_REQUESTS,
            1,
            None,
        ),
        (
            "s503long",
            vec![Status(503, Some(3600))],
            Ok,
            StatusCode::BAD_GATEWAY,
            1,
            None,
        ),
        (
            "s500",
            vec![Status(500, None)],
            Ok,
            StatusCode::BAD_GATEWAY,
            1,
            None,
        ),
        (
            "s504",
            vec![Status(504, None)],
            Ok,
            StatusCode::BAD_GATEWAY,
            1,
            None,
        ),
        (
            "twice",
            vec![Status(503, None), Status(503, None)],
            Ok,
            StatusCode::BAD_GATEWAY,
            2,
            Some("http_503"),
        ),
        ("aaa", vec![Aaa], Ok, StatusCode::OK, 1, None),
    ];
    let mut fakes = Vec::new();
    let mut list = Vec::new();
    for (name, script, then, _, _, _) in &cases {
        let (fake, url, rx) = scripted_fake(script, *then).await;
        fakes.push((fake, rx));
        list.push((*name, url, json!({ "timeout_ms": 10_000 })));
    }
    let (app, _k) = gateway(list).await;
    for (i, (name, _, _, want, hits, reason)) in cases.iter().enumerate() {
        let (status, body, id) = app
            .raw_x12_traced(DEMO_KEY, &to(&name.to_ascii_uppercase()))
            .await;
        assert_eq!(status, *want, "{name}: {body}");
        assert_eq!(
            fakes[i].0.hits.load(Ordering::SeqCst),
            *hits,
            "{name}: hits"
        );
        let line = log_lines_with(&id)
            .into_iter()
            .find(|l| l["status"].is_number())
            .unwrap_or_else(|| panic!("{name}: the request's log line"));
        let named = line.to_string();
        match reason {
            Some(r) => assert!(
                named.contains(&format!("\"retries\":\"{r}")),
                "{name}: {named}"
            ),
            None => assert!(!named.contains("\"retries\""), "{name}: {named}"),
        }
        if *name == "aaa" {
            assert!(
                !body["errors"].as_array().unwrap().is_empty(),
                "the AAA as it is"
            );
        }
    }
    let text = metrics_text(&app).await;
    for (name, reason, n) in [
        ("s503", "http_503", 1),
        ("twice", "http_503", 1),
        ("s429wait", "http_429", 1),
    ] {
        let want =
            format!("gateway_payer_retries_total{{connector=\"{name}\",reason=\"{reason}\"}} {n}");
        assert!(text.contains(&want), "{want} in\n{text}");
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_and_a_core_busy_code_too() {
    // A port with nothing listening.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let (core, core_url) =
        core_fake(("user", "pw"), CoreReply::Error("ServerBusy", "try later")).await;
    let password = secret_file("pw");
    let password_file = password.path();
    let core_cfg = connector(json!({
        "kind": "caqh-core", "url": core_url, "sender_id": "S", "receiver_id": "R",
        "username": "user", "password_file": password_file, "retries": 2,
    }));
    let key = secret_file("k");
    let key_file = key.path();
    let app = spawn_app(|s| {
        production(s);
        s.payers.connectors.insert(
            "gone".into(),
            with(&format!("http://{addr}/x"), &key_file, &json!({})),
        );
        s.payers.routes.insert("GONE".into(), "gone".into());
        s.payers.connectors.insert("core".into(), core_cfg);
        s.payers.routes.insert("CORE".into(), "core".into());
    })
    .await;
    let (status, body) = app.raw_x12(&to("GONE")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let (status, body) = app.raw_x12(&to("CORE")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("ServerBusy"),
        "{body}"
    );
    assert_eq!(
        core.requests.lock().unwrap().len(),
        3,
        "one try and two retries"
    );
    let text = metrics_text(&app).await;
    assert!(
        text.contains(
            "gateway_payer_retries_total{connector=\"gone\",reason=\"connection_refused\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "gateway_payer_retries_total{connector=\"core\",reason=\"core_temporary\"} 2"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn the_breaker_opens_after_n_failures_answers_at_once_without_a_slot_and_a_probe_closes_it() {
    let (dead, dead_url, _r1) = scripted_fake(&[], Step::Status(500, None)).await;
    // Holds every request it gets: fills the account's five slots.
    let (_busy, busy_url, mut busy_rx) = scripted_fake(&[], Step::Hang).await;
    // Fails once, then its probe fails, then it recovers.
    let (flaky, flaky_url, _r3) = scripted_fake(
        &[Step::Status(500, None), Step::Status(503, None)],
        Step::Ok,
    )
    .await;
    let (app, _k) = gateway(vec![
        (
            "tripped",
            dead_url,
            json!({ "retries": 0, "breaker": { "failures": 3, "open_ms": 600_000 } }),
        ),
        ("busy", busy_url, json!({ "retries": 0 })),
        (
            "flaky",
            flaky_url,
            json!({ "retries": 0, "breaker": { "failures": 1, "open_ms": 1 } }),
        ),
    ])
    .await;
    for _ in 0..3 {
        let (status, body) = app.raw_x12(&to("TRIPPED")).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    }
    assert_eq!(dead.hits.load(Ordering::SeqCst), 3);
    let opened = log_lines_with("circuit breaker opened");
    assert_eq!(
        opened
            .iter()
            .filter(|l| l["connector"] == "tripped")
            .count(),
        1,
        "logged once"
    );
    // Every slot held by requests to another payer...
    let base = app.base.clone();
    let mut held = Vec::new();
    for _ in 0..5 {
        let c = app.client().clone();
        let url = format!("{base}{RAW}");
        held.push(tokio::spawn(async move {
            c.post(url)
                .header("Authorization", DEMO_KEY)
                .json(&json!({ "x12": to("BUSY") }))
                .send()
                .await
        }));
    }
    for _ in 0..5 {
        busy_rx.recv().await.unwrap();
    }
    assert_eq!(app.free_slots(), 0);
    // ...and the dead payer is still answered at once, with its own 503, not the 429.
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&json!({ "x12": to("TRIPPED") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&after), "{after}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    let m = body["message"].as_str().unwrap();
    assert!(
        m.contains("tripped") && m.contains("circuit breaker"),
        "{m}"
    );
    assert_eq!(dead.hits.load(Ordering::SeqCst), 3, "nothing reached it");
    for h in held {
        h.abort();
    }
    app.wait_for_free_slots(5).await;

    // flaky: one failure opens it for 1 ms; then probes decide.
    let (status, _) = app.raw_x12(&to("FLAKY")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    let mut answers = Vec::new();
    for _ in 0..200 {
        let (status, _) = app.raw_x12(&to("FLAKY")).await;
        answers.push(status);
        if status == StatusCode::OK {
            break;
        }
    }
    assert_eq!(answers.last(), Some(&StatusCode::OK), "{answers:?}");
    assert_eq!(
        flaky.hits.load(Ordering::SeqCst),
        3,
        "fail, failed probe, good probe: {answers:?}"
    );
    assert!(
        answers.contains(&StatusCode::BAD_GATEWAY),
        "the failed probe: {answers:?}"
    );
    for _ in 0..3 {
        assert_eq!(app.raw_x12(&to("FLAKY")).await.0, StatusCode::OK, "closed");
    }
    let text = metrics_text(&app).await;
    assert!(
        text.contains("gateway_connector_breaker_state{connector=\"flaky\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("gateway_connector_breaker_state{connector=\"tripped\"} 2"),
        "{text}"
    );
}

#[tokio::test]
async fn a_dead_payer_does_not_starve_the_accounts_requests_to_other_payers() {
    let (_dead, dead_url, _r) = scripted_fake(&[], Step::Hang).await;
    let (healthy, healthy_url, _r2) = scripted_fake(&[], Step::Ok).await;
    let (app, _k) = gateway(vec![
        ("dead", dead_url, json!({ "timeout_ms": 200, "retries": 0, "breaker": { "failures": 2, "open_ms": 600_000 } })),
        ("healthy", healthy_url, json!({})),
    ])
    .await;
    for _ in 0..2 {
        assert_eq!(
            app.raw_x12(&to("DEAD")).await.0,
            StatusCode::GATEWAY_TIMEOUT
        );
    }
    // Now a burst: many requests to the dead payer beside a few to the healthy one.
    let mut tasks = Vec::new();
    for i in 0..25 {
        let c = app.client().clone();
        let url = format!("{}{RAW}", app.base);
        let payer = if i % 5 == 0 { "HEALTHY" } else { "DEAD" };
        tasks.push(tokio::spawn(async move {
            let res = c
                .post(url)
                .header("Authorization", DEMO_KEY)
                .json(&json!({ "x12": to(payer) }))
                .send()
                .await
                .unwrap();
            (payer, res.status())
        }));
    }
    for t in tasks {
        let (payer, status) = t.await.unwrap();
        let want = if payer == "HEALTHY" {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        };
        assert_eq!(status, want, "{payer}");
    }
    assert_eq!(healthy.hits.load(Ordering::SeqCst), 5);
}
