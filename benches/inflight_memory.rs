//! Memory held per waiting request: the gateway (release binary, separate process) with
//! `IN_FLIGHT` requests (default 10,000) held on a slow sandbox payer, each on its own connection.
//! Reports the gateway's resident set before, its peak (`VmHWM`) while they wait, and the peak
//! growth per waiting request; then checks every request was really in flight by reading all the
//! answers (200 each, after the sandbox delay).
//!
//! Both processes need `IN_FLIGHT` + a few file descriptors (`ulimit -n`). `IN_FLIGHT_DELAY_MS`
//! (default 15000) is the sandbox's delay. The report is printed and written to
//! `target/inflight-memory-report.md`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::format_push_string,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Gateway, env_or, rss_kib};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

fn main() {
    let in_flight = env_or("IN_FLIGHT", 10_000);
    let delay_ms = env_or("IN_FLIGHT_DELAY_MS", 15_000);
    let limit = (in_flight + 10).to_string();
    let delay = delay_ms.to_string();
    let gateway = Gateway::start(&[
        ("GATEWAY__LIMITS__PER_ACCOUNT", limit.as_str()),
        ("GATEWAY__SANDBOX__DELAY_MS", delay.as_str()),
    ]);
    let pid = gateway.pid();
    let port = gateway.port;
    let request = Arc::new(support::request_bytes(
        support::RAW_PATH,
        &support::request_body(),
        Some(support::KEY),
    ));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = rt.block_on(async move {
        // One request first, so the idle figure includes a warmed-up process.
        let (status, _) = tokio::task::spawn_blocking(move || {
            support::post_json(port, support::RAW_PATH, &support::request_body(), Some(support::KEY))
        })
        .await
        .unwrap();
        assert_eq!(status, 200);
        let (idle, _) = rss_kib(pid);

        // Connect and send with bounded concurrency (the listen backlog is finite), keep every
        // connection open until its answer arrives.
        let connecting = Arc::new(Semaphore::new(256));
        let sent = Arc::new(tokio::sync::Barrier::new(in_flight + 1));
        let started = Instant::now();
        let clients: Vec<_> = (0..in_flight)
            .map(|_| {
                let (request, connecting, sent) =
                    (Arc::clone(&request), Arc::clone(&connecting), Arc::clone(&sent));
                tokio::spawn(async move {
                    let permit = connecting.acquire_owned().await.unwrap();
                    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
                    s.write_all(&request).await.unwrap();
                    drop(permit);
                    sent.wait().await;
                    let mut head = [0u8; 12];
                    s.read_exact(&mut head).await.unwrap();
                    head
                })
            })
            .collect();
        tokio::time::timeout(Duration::from_secs(300), sent.wait())
            .await
            .expect("all requests sent within 300 s");
        let all_sent = started.elapsed();

        // Sample while they wait: the peak is VmHWM; stop once RSS has not grown for a second
        // (bounded by the sandbox delay, after which answers start).
        let mut last = 0;
        let mut steady_since = Instant::now();
        let until = Instant::now() + Duration::from_millis(u64::try_from(delay_ms).unwrap() / 2);
        while Instant::now() < until && steady_since.elapsed() < Duration::from_secs(1) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (rss, _) = rss_kib(pid);
            if rss > last {
                last = rss;
                steady_since = Instant::now();
            }
        }
        let (waiting, peak) = rss_kib(pid);

        let mut ok = 0;
        for c in clients {
            if &c.await.unwrap()[..] == b"HTTP/1.1 200" {
                ok += 1;
            }
        }
        assert_eq!(ok, in_flight, "every held request was admitted and answered 200");
        let per_request = (peak.saturating_sub(idle)) as f64 / in_flight as f64;
        format!(
            "# In-flight memory\n\n{in_flight} requests held on the sandbox ({delay_ms} ms), one connection each, \
             all sent in {:.1} s; all answered 200.\n\n\
             | gateway RSS | MiB |\n|---|---|\n| idle (after one request) | {:.1} |\n| while waiting | {:.1} |\n| peak (VmHWM) | {:.1} |\n\n\
             Peak growth per waiting request: {per_request:.1} KiB.\n",
            all_sent.as_secs_f64(),
            idle as f64 / 1024.0,
            waiting as f64 / 1024.0,
            peak as f64 / 1024.0,
        )
    });
    println!("{report}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("inflight-memory-report.md"),
        &report,
    );
    drop(gateway);
}
