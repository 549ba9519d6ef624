//! Breaker report: with one connector's breaker open, how fast its requests are refused (p50/p99)
//! and how much throughput a healthy connector of the same account keeps, measured side by side
//! in one run: the healthy connector alone, then beside a stream of requests to the failing one.
//! A control phase puts the same extra load on the healthy connector, so the loss can be read
//! as CPU share rather than blocking. `LOAD_SECONDS` (default 3) and `LOAD_CONCURRENCY` (default 4) tune it; the report is printed.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::format_push_string
)]

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use eligibility_gateway::app::App;
use eligibility_gateway::config::{ConnectorSettings, Mode, Settings};
use support::{KEY, RAW_PATH, X12, env_or};

/// A public 271 (tests/fixtures/x12/SOURCES.md).
const RAW_271: &str =
    include_str!("../tests/fixtures/x12/irobayna-stupidedi/271-X279-response-subscriber.edi");

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn connector(url: &str, key_file: &str, breaker: bool) -> ConnectorSettings {
    let mut v = serde_json::json!({
        "kind": "http", "flavor": "stedi", "url": url, "api_key_file": key_file, "retries": 0,
    });
    if breaker {
        v["breaker"] = serde_json::json!({ "failures": 1, "open_ms": 3_600_000 });
        v["timeout_ms"] = serde_json::json!(200);
    }
    serde_json::from_value(v).unwrap()
}

fn body(payer: &str) -> String {
    serde_json::json!({ "x12": X12.replace("PI*842610001", &format!("PI*{payer}")) }).to_string()
}

/// Runs `workers` loops sending `payload` for `seconds`; returns each answer's latency and status.
async fn drive(
    client: &reqwest::Client,
    url: &str,
    payload: &str,
    workers: usize,
    seconds: u64,
) -> Vec<(Duration, u16)> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, url, payload, stop) = (
            client.clone(),
            url.to_owned(),
            payload.to_owned(),
            Arc::clone(&stop),
        );
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .header("Authorization", KEY)
                    .header("Content-Type", "application/json")
                    .body(payload.clone())
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let _ = res.bytes().await;
                out.push((t.elapsed(), status));
            }
            out
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let seconds = env_or("LOAD_SECONDS", 3) as u64;
    let workers = env_or("LOAD_CONCURRENCY", 4);
    let healthy_url = serve(Router::new().route(
        "/raw",
        post(|| async { axum::Json(serde_json::json!({ "x12": RAW_271 })) }),
    ))
    .await;
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    let dead_url = serve(Router::new().route(
        "/raw",
        post(move || {
            counted.fetch_add(1, Ordering::Relaxed);
            std::future::pending::<String>()
        }),
    ))
    .await;
    let key_file = std::env::temp_dir().join(format!("eg-bench-key-{}", std::process::id()));
    std::fs::write(&key_file, "k").unwrap();
    let key_file = key_file.to_str().unwrap().to_owned();
    let mut settings = Settings::defaults().unwrap();
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    let demo = settings.accounts.get_mut("demo").unwrap();
    demo.mode = Mode::Production;
    demo.per_account = Some(u32::try_from(workers * 3).unwrap());
    settings.payers.connectors.insert(
        "healthy".into(),
        connector(&format!("{healthy_url}/raw"), &key_file, false),
    );
    settings.payers.connectors.insert(
        "dead".into(),
        connector(&format!("{dead_url}/raw"), &key_file, true),
    );
    settings
        .payers
        .routes
        .insert("HEALTHY".into(), "healthy".into());
    settings.payers.routes.insert("DEAD".into(), "dead".into());
    let app = App::build(&settings).await.unwrap();
    let base = format!("http://{}{RAW_PATH}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    // Open the breaker: one timed-out request.
    let res = client
        .post(&base)
        .header("Authorization", KEY)
        .header("Content-Type", "application/json")
        .body(body("DEAD"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 504);
    // Warm up, then the healthy connector alone.
    drive(&client, &base, &body("HEALTHY"), workers, 1).await;
    let alone = drive(&client, &base, &body("HEALTHY"), workers, seconds).await;
    // The same beside as many workers hammering the dead payer.
    let (healthy, dead) = (body("HEALTHY"), body("DEAD"));
    let (beside, refused) = tokio::join!(
        drive(&client, &base, &healthy, workers, seconds),
        drive(&client, &base, &dead, workers, seconds),
    );
    // Control: the same extra load, but on the healthy connector too (what any second client
    // would cost on this machine).
    let (control, _) = tokio::join!(
        drive(&client, &base, &healthy, workers, seconds),
        drive(&client, &base, &healthy, workers, seconds),
    );
    assert!(
        alone
            .iter()
            .chain(&beside)
            .chain(&control)
            .all(|(_, s)| *s == 200)
    );
    assert!(refused.iter().all(|(_, s)| *s == 503), "breaker answers");
    assert_eq!(
        hits.load(Ordering::Relaxed),
        1,
        "nothing reached the dead payer"
    );
    let rps = |v: &[(Duration, u16)]| v.len() as f64 / seconds as f64;
    let mut r: Vec<Duration> = refused.iter().map(|(d, _)| *d).collect();
    r.sort();
    let mut h: Vec<Duration> = beside.iter().map(|(d, _)| *d).collect();
    h.sort();
    println!("# payer breaker report ({workers} workers each, {seconds} s per phase)");
    println!(
        "healthy alone: {:.0} req/s; beside the open breaker: {:.0} req/s ({:+.1}%)",
        rps(&alone),
        rps(&beside),
        (rps(&beside) / rps(&alone) - 1.0) * 100.0
    );
    println!(
        "control, beside as many workers on the healthy connector: {:.0} req/s ({:+.1}%)",
        rps(&control),
        (rps(&control) / rps(&alone) - 1.0) * 100.0
    );
    println!(
        "refused by the open breaker: {:.0} req/s, p50 {:?}, p99 {:?}; healthy p99 beside it {:?}",
        rps(&refused),
        pct(&r, 0.5),
        pct(&r, 0.99),
        pct(&h, 0.99)
    );
    let _ = std::fs::remove_file(&key_file);
}
