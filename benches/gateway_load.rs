//! Load benchmark with a report: the real gateway (sandbox payer, full path: auth, validation,
//! limiter, 271 built and mapped) against a bare axum echo server, both on loopback, driven by
//! the same client in the same run. The figure that matters is the ratio, not the absolute
//! numbers (these machines are noisy). `LOAD_SECONDS` (default 5) and `LOAD_CONCURRENCY`
//! (default 4, within the demo account's limit raised for the run) tune it. The report is printed
//! and written to `target/gateway-load-report.md`.
//!
//! The limiter's Redis backend is measured in the same run: a `redis-server` started by the bench
//! on a free loopback port (no persistence), a second gateway counting its slots there, and the
//! two gateways driven in alternating rounds (`LOAD_ROUNDS`, default 3) so the machine's noise
//! falls on both alike. Reported: throughput ratio Redis / memory, the end-to-end p50/p99 of each,
//! and the acquire + release of one slot timed directly on each limiter. The client and both
//! gateways share one runtime here; `limiter_backends` compares the two backends process against
//! process under `wrk`, with each process's CPU per request.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::format_push_string,
    clippy::panic
)]

#[path = "support/redis.rs"]
mod redis_support;
#[path = "support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use eligibility_gateway::app::App;
use eligibility_gateway::config::{LimitBackend, SANDBOX, Settings};
use eligibility_gateway::http::AppState;
use support::{KEY, RAW_PATH, X12, env_or, request_body};

/// Times `n` acquire + release pairs of one slot on `state`'s limiter, as the handler does them
/// (a Redis slot: one script call to take it, one `ZREM` to free it).
async fn slot_latencies(state: &AppState, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let slots = state
            .limiter
            .try_enter("demo", SANDBOX)
            .await
            .expect("a free slot");
        slots.release().await;
        out.push(t.elapsed());
    }
    out
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

struct Run {
    name: &'static str,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort_unstable();
        pct(&l, p)
    }
}

async fn drive(
    name: &'static str,
    url: String,
    auth: Option<&'static str>,
    seconds: usize,
    concurrency: usize,
) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let body = request_body();
    let deadline = Instant::now() + Duration::from_secs(seconds as u64);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let mut req = client
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .body(body.clone());
                    if let Some(a) = auth {
                        req = req.header("Authorization", a);
                    }
                    let res = req.send().await.expect("request");
                    assert!(res.status().is_success(), "{name}: HTTP {}", res.status());
                    let _ = res.bytes().await.expect("body");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for w in workers {
        latencies.extend(w.await.unwrap());
    }
    Run {
        name,
        requests: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing special: both run.
    let seconds = env_or("LOAD_SECONDS", 5);
    let concurrency = env_or("LOAD_CONCURRENCY", 4);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut settings = Settings::defaults().unwrap();
        settings.server.host = "127.0.0.1".into();
        settings.server.port = 0;
        settings.log.level = "error".into();
        settings.accounts.get_mut("demo").unwrap().per_account = Some(u32::try_from(concurrency).unwrap_or(4) + 1);
        let app = App::build(&settings).await.unwrap();
        let gateway = format!("http://{}{RAW_PATH}", app.local_addr());
        let memory_state = app.state();
        tokio::spawn(app.run_until(std::future::pending()));

        let redis = redis_support::RedisServer::start();
        let mut shared = settings.clone();
        shared.limits.backend = LimitBackend::Redis;
        shared.limits.redis_url = redis.url();
        let app = App::build(&shared).await.unwrap();
        let gateway_redis = format!("http://{}{RAW_PATH}", app.local_addr());
        let redis_state = app.state();
        tokio::spawn(app.run_until(std::future::pending()));

        let echo = Router::new().route("/echo", post(|body: String| async move { body }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_url = format!("http://{}/echo", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, echo).await });

        // Warm both up, then measure the baseline and the gateway back to back.
        drive("warm-up", echo_url.clone(), None, 1, concurrency).await;
        drive("warm-up", gateway.clone(), Some(KEY), 1, concurrency).await;
        drive("warm-up", gateway_redis.clone(), Some(KEY), 1, concurrency).await;
        let base = drive("bare axum echo", echo_url, None, seconds, concurrency).await;
        let gw = drive("gateway (sandbox, full path)", gateway.clone(), Some(KEY), seconds, concurrency).await;

        // Memory vs Redis limiter, alternating rounds of the same length.
        let rounds = env_or("LOAD_ROUNDS", 3);
        let mut mem = Run { name: "gateway, memory limiter", requests: 0, elapsed: Duration::ZERO, latencies: Vec::new() };
        let mut red = Run { name: "gateway, redis limiter", requests: 0, elapsed: Duration::ZERO, latencies: Vec::new() };
        let (mut mem_slot, mut red_slot) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for (total, url) in [(&mut mem, &gateway), (&mut red, &gateway_redis)] {
                let r = drive("round", url.clone(), Some(KEY), seconds, concurrency).await;
                total.requests += r.requests;
                total.elapsed += r.elapsed;
                total.latencies.extend(r.latencies);
            }
            mem_slot.extend(slot_latencies(&memory_state, 2000).await);
            red_slot.extend(slot_latencies(&redis_state, 2000).await);
        }
        mem_slot.sort_unstable();
        red_slot.sort_unstable();
        assert!(
            redis_state.limiter.shared().is_some_and(eligibility_gateway::limit::Shared::is_up),
            "the redis gateway counted in redis throughout"
        );

        let mut report = format!(
            "# Gateway load benchmark\n\n{seconds} s per server, {concurrency} concurrent clients on loopback, one 270 of {} bytes.\n\n| server | requests | req/s | p50 | p99 |\n|---|---|---|---|---|\n",
            X12.len()
        );
        for r in [&base, &gw] {
            report.push_str(&format!(
                "| {} | {} | {:.0} | {:?} | {:?} |\n",
                r.name,
                r.requests,
                r.rps(),
                r.percentile(0.5),
                r.percentile(0.99)
            ));
        }
        report.push_str(&format!("\nGateway throughput is {:.2} of the bare echo server's in the same run.\n", gw.rps() / base.rps()));
        report.push_str(&format!(
            "\n## Limiter backends\n\n{rounds} alternating rounds of {seconds} s each, then 2,000 acquire + release pairs per round on each limiter.\n\n| backend | requests | req/s | p50 | p99 | acquire + release p50 | p99 |\n|---|---|---|---|---|---|---|\n"
        ));
        for (r, slot) in [(&mem, &mem_slot), (&red, &red_slot)] {
            report.push_str(&format!(
                "| {} | {} | {:.0} | {:?} | {:?} | {:?} | {:?} |\n",
                r.name,
                r.requests,
                r.rps(),
                r.percentile(0.5),
                r.percentile(0.99),
                pct(slot, 0.5),
                pct(slot, 0.99)
            ));
        }
        report.push_str(&format!(
            "\nRedis / memory throughput: {:.2} (goal >= 0.8). Redis adds {:?} (p50) / {:?} (p99) per acquire + release; end to end p50 {:?} -> {:?}, p99 {:?} -> {:?}.\n",
            red.rps() / mem.rps(),
            pct(&red_slot, 0.5).saturating_sub(pct(&mem_slot, 0.5)),
            pct(&red_slot, 0.99).saturating_sub(pct(&mem_slot, 0.99)),
            mem.percentile(0.5),
            red.percentile(0.5),
            mem.percentile(0.99),
            red.percentile(0.99)
        ));
        drop(redis);
        println!("{report}");
        let _ = std::fs::create_dir_all("target");
        let _ = std::fs::write("target/gateway-load-report.md", &report);
    });
}
