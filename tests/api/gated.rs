//! A gated loopback payer: each call says "arrived" on a channel and waits for "go", so limiter
//! tests hold requests exactly where they want them, without sleeps. It also counts the calls it
//! holds at once and the highest that count reached.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use eligibility_gateway::config::Settings;
use tokio::sync::{Mutex, Semaphore, mpsc};

use crate::fakes::{CHANGE_RAW, SUBSCRIBER_271, answer_271, production, serve, stedi};
use crate::helpers::{DEMO_KEY, RAW, SecretFile, TestApp, member_inquiry, secret_file};

/// How long a test waits for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The payer; `go(n)` lets `n` held calls answer.
pub struct Gated {
    arrived_tx: mpsc::Sender<()>,
    arrived: Mutex<mpsc::Receiver<()>>,
    gate: Semaphore,
    holding: AtomicUsize,
    /// The most calls it held at once.
    pub peak: AtomicUsize,
    /// Calls it answered.
    pub answered: AtomicUsize,
}

/// Decrements `holding` however the call ends (the gateway may drop it mid-wait).
struct Held<'a>(&'a AtomicUsize);

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn call(State(g): State<Arc<Gated>>) -> Response {
    let now = g.holding.fetch_add(1, Ordering::SeqCst) + 1;
    let _held = Held(&g.holding);
    g.peak.fetch_max(now, Ordering::SeqCst);
    let _ = g.arrived_tx.send(()).await;
    if let Ok(permit) = g.gate.acquire().await {
        permit.forget();
    }
    g.answered.fetch_add(1, Ordering::SeqCst);
    answer_271(SUBSCRIBER_271)
}

impl Gated {
    /// Starts one on a free loopback port; returns it and its raw-X12 URL.
    pub async fn start() -> (Arc<Self>, String) {
        let (arrived_tx, arrived) = mpsc::channel(4096);
        let gated = Arc::new(Self {
            arrived_tx,
            arrived: Mutex::new(arrived),
            gate: Semaphore::new(0),
            holding: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            answered: AtomicUsize::new(0),
        });
        let router = Router::new()
            .route(&format!("/change{CHANGE_RAW}"), post(call))
            .with_state(Arc::clone(&gated));
        let url = format!("{}/change{CHANGE_RAW}", serve(router).await);
        (gated, url)
    }

    /// Waits (bounded) until `n` more calls have arrived.
    pub async fn arrived(&self, n: usize) {
        let mut rx = self.arrived.lock().await;
        for i in 0..n {
            tokio::time::timeout(PATIENCE, rx.recv())
                .await
                .unwrap_or_else(|_| panic!("only {i} of {n} calls reached the payer"))
                .expect("the payer is running");
        }
    }

    /// Lets `n` held (or future) calls answer.
    pub fn go(&self, n: usize) {
        self.gate.add_permits(n);
    }
}

/// The API key file the gated connector names (it only has to outlive `spawn_app`).
pub fn gated_key() -> SecretFile {
    secret_file("gated-key")
}

/// Settings that send every request of the demo account to `url` through the connector `name`.
pub fn route_to(s: &mut Settings, name: &str, url: &str, key: &SecretFile) {
    production(s);
    s.payers
        .connectors
        .insert(name.to_owned(), stedi(url, &key.path()));
    name.clone_into(&mut s.payers.default);
}

/// Asserts that `app` refuses the next request because the connector `name` is at its cap: 503
/// `SERVICE_UNAVAILABLE`, `Retry-After: 1`, a message naming it.
pub async fn assert_connector_busy(app: &TestApp, name: &str) {
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&serde_json::json!({ "x12": member_inquiry() }))
        .send()
        .await
        .expect("POST raw-x12");
    assert_eq!(res.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers()["retry-after"], "1");
    let body: serde_json::Value = res.json().await.expect("JSON body");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert!(
        body["message"].as_str().unwrap_or_default().contains(name),
        "{body}"
    );
}
