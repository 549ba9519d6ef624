//! Load benchmark with a report: the real gateway (sandbox payer, full path: auth, validation,
//! limiter, 271 built and mapped) against a bare axum echo server, both on loopback, driven by
//! the same client in the same run. The figure that matters is the ratio, not the absolute
//! numbers (these machines are noisy). `LOAD_SECONDS` (default 5) and `LOAD_CONCURRENCY`
//! (default 4, within the demo account's limit raised for the run) tune it. The report is printed
//! and written to `target/gateway-load-report.md`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::format_push_string
)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post;
use eligibility_gateway::app::App;
use eligibility_gateway::config::Settings;

const X12: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*T*:~GS*HS*SUBMITTER*RECEIVER*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~BHT*0022*13*10001234*20260101*1200~HL*1**20*1~NM1*PR*2*ACME HEALTH PLAN*****PI*842610001~HL*2*1*21*1~NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*DOEONE*JOHNONE****MI*0000000001~DMG*D8*18800102*M~DTP*291*D8*20260101~EQ*30~SE*13*0001~GE*1*1~IEA*1*000000001~";

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
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l.get(i).copied().unwrap_or_default()
    }
}

async fn drive(
    name: &'static str,
    url: String,
    auth: Option<&'static str>,
    seconds: u64,
    concurrency: usize,
) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .unwrap();
    let body = serde_json::json!({ "x12": X12 }).to_string();
    let deadline = Instant::now() + Duration::from_secs(seconds);
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

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing special: both run.
    let seconds = env_or("LOAD_SECONDS", 5);
    let concurrency = usize::try_from(env_or("LOAD_CONCURRENCY", 4)).unwrap_or(4);
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
        let gateway = format!("http://{}/change/medicalnetwork/eligibility/v3/raw-x12", app.local_addr());
        tokio::spawn(app.run_until(std::future::pending()));

        let echo = Router::new().route("/echo", post(|body: String| async move { body }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let echo_url = format!("http://{}/echo", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, echo).await });

        // Warm both up, then measure the baseline and the gateway back to back.
        drive("warm-up", echo_url.clone(), None, 1, concurrency).await;
        drive("warm-up", gateway.clone(), Some("sandbox-api-key"), 1, concurrency).await;
        let base = drive("bare axum echo", echo_url, None, seconds, concurrency).await;
        let gw = drive("gateway (sandbox, full path)", gateway, Some("sandbox-api-key"), seconds, concurrency).await;

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
        println!("{report}");
        let _ = std::fs::create_dir_all("target");
        let _ = std::fs::write("target/gateway-load-report.md", &report);
    });
}
