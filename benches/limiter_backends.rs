//! The limiter's Redis backend against its memory backend, process against process, in one run.
//!
//! Two release gateways run as child processes on loopback, one counting slots in memory, one in a
//! `redis-server` the bench starts on a free port (`--save "" --appendonly no`); `wrk` loads each
//! in turn, interleaved over several rounds, so the machine's noise falls on both alike. The
//! account's limit equals wrk's connections, so every answer must free its slot before it goes out
//! (wrk fails the run on any 429: no false 429 for closed-loop clients).
//!
//! Two phases, each with a fresh pair of gateways:
//! - **shared cores**: gateway, wrk and redis-server compete for every core (this machine as is);
//! - **pinned**: redis-server on CPU 0, the gateway and wrk on CPU 1 in *both* backends' runs, an
//!   approximation of Redis on its own host (skipped on a single-core machine).
//!
//! Besides req/s and wrk's p50/p99, it reads the CPU each process spent per request (from
//! `/proc/<pid>/stat`) and Redis's own µs per call (`INFO commandstats`), which is where the Redis
//! path's cost goes. `LIMITER_SECONDS` (default 5 per gateway per round), `LIMITER_ROUNDS`
//! (default 3), `LIMITER_CONNECTIONS` (default 32) and `LIMITER_THREADS` (default 2) tune it.
//! Needs `wrk` and `redis-server`. The report is printed and written to
//! `target/limiter-backends-report.md`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::format_push_string,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/redis.rs"]
mod redis_support;
#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;

use redis_support::{RedisServer, pin};
use support::{Gateway, WrkRun, cpu_ticks, env_or, post_json};

struct Settings {
    seconds: usize,
    rounds: usize,
    connections: usize,
    threads: usize,
}

/// One backend's totals over a phase.
#[derive(Default)]
struct Totals {
    runs: Vec<WrkRun>,
    requests: f64,
    gateway_ticks: u64,
    redis_ticks: u64,
}

impl Totals {
    fn rps(&self) -> f64 {
        median(self.runs.iter().map(|r| r.rps).collect())
    }

    /// CPU µs per request (`ticks` at `_SC_CLK_TCK` = 100 per second, as Linux reports).
    fn us_per_request(&self, ticks: u64) -> f64 {
        ticks as f64 * 10_000.0 / self.requests.max(1.0)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn main() {
    let s = Settings {
        seconds: env_or("LIMITER_SECONDS", 5),
        rounds: env_or("LIMITER_ROUNDS", 3),
        connections: env_or("LIMITER_CONNECTIONS", 32),
        threads: env_or("LIMITER_THREADS", 2),
    };
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("limiter_backends: `wrk` is not installed; apt-get install -y wrk");
        std::process::exit(1);
    }
    let redis = RedisServer::start();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let script = dir.join("limiter-backends.lua");
    let body = support::request_body();
    std::fs::write(&script, support::wrk_script(&body, Some(support::KEY))).unwrap();

    let mut report = format!(
        "# Limiter backends: memory vs Redis\n\n`wrk -t{} -c{} -d{}s`, {} interleaved rounds per phase, \
         per-account limit = {} (wrk's connections: a false 429 fails the run), Change's documented 270.\n",
        s.threads, s.connections, s.seconds, s.rounds, s.connections
    );
    report.push_str(&phase(&s, &redis, &script, &body, "shared cores", None));
    if num_cpus() >= 2 {
        report.push_str(&phase(&s, &redis, &script, &body, "pinned", Some((0, 1))));
    }
    println!("{report}");
    let _ = std::fs::write(
        dir.parent().unwrap().join("limiter-backends-report.md"),
        &report,
    );
}

/// One phase: a memory gateway and a Redis gateway, loaded in turn. With `cpus = (r, g)`,
/// redis-server runs on CPU `r` and this process (so wrk and the gateways it starts) on CPU `g`.
fn phase(
    s: &Settings,
    redis: &RedisServer,
    script: &Path,
    body: &str,
    name: &str,
    cpus: Option<(usize, usize)>,
) -> String {
    let all = format!("0-{}", num_cpus() - 1);
    if let Some((r, g)) = cpus {
        pin(redis.pid(), &r.to_string());
        pin(std::process::id(), &g.to_string());
    } else {
        pin(redis.pid(), &all);
        pin(std::process::id(), &all);
    }
    let limit = s.connections.to_string();
    let url = redis.url();
    let memory = Gateway::start(&[("GATEWAY__LIMITS__PER_ACCOUNT", &limit)]);
    let shared = Gateway::start(&[
        ("GATEWAY__LIMITS__PER_ACCOUNT", &limit),
        ("GATEWAY__LIMITS__BACKEND", "redis"),
        ("GATEWAY__LIMITS__REDIS_URL", &url),
    ]);
    for g in [&memory, &shared] {
        let (status, _) = post_json(g.port, support::RAW_PATH, body, Some(support::KEY));
        assert_eq!(status, 200, "each gateway answers the documented 270");
    }
    let wrk = |port: u16, seconds: usize| {
        support::wrk(
            &format!("http://127.0.0.1:{port}{}", support::RAW_PATH),
            script,
            s.threads,
            s.connections,
            seconds,
        )
    };
    let _ = wrk(memory.port, 1);
    let _ = wrk(shared.port, 1);
    redis.reset_stats();
    let (mut mem, mut red) = (Totals::default(), Totals::default());
    let mut rows = String::new();
    for round in 1..=s.rounds {
        for (label, g, t) in [("memory", &memory, &mut mem), ("redis", &shared, &mut red)] {
            let (g0, r0) = (cpu_ticks(g.pid()), cpu_ticks(redis.pid()));
            let run = wrk(g.port, s.seconds);
            t.gateway_ticks += cpu_ticks(g.pid()) - g0;
            t.redis_ticks += cpu_ticks(redis.pid()) - r0;
            t.requests += run.rps * s.seconds as f64;
            rows.push_str(&format!(
                "| {round} | {label} | {:.0} | {} | {} |\n",
                run.rps, run.p50, run.p99
            ));
            t.runs.push(run);
        }
    }
    let stats = redis.command_stats();
    // Restore the affinity for whatever runs next.
    pin(redis.pid(), &all);
    pin(std::process::id(), &all);
    let ratios: Vec<String> = mem
        .runs
        .iter()
        .zip(&red.runs)
        .map(|(m, r)| format!("{:.2}", r.rps / m.rps))
        .collect();
    let mut out = format!(
        "\n## {name}{}\n\n| round | backend | req/s | p50 | p99 |\n|---|---|---|---|---|\n{rows}\n\
         Redis / memory throughput: median of rounds {:.2} (rounds: {}; goal >= 0.8).\n\n\
         | CPU per request | memory | redis |\n|---|---|---|\n\
         | gateway | {:.1} µs | {:.1} µs |\n| redis-server | {:.1} µs | {:.1} µs |\n\n",
        cpus.map_or(String::new(), |(r, g)| format!(
            " (redis-server on CPU {r}; gateway and wrk on CPU {g})"
        )),
        red.rps() / mem.rps(),
        ratios.join(", "),
        mem.us_per_request(mem.gateway_ticks),
        red.us_per_request(red.gateway_ticks),
        mem.us_per_request(mem.redis_ticks),
        red.us_per_request(red.redis_ticks),
    );
    out.push_str("Redis's own time per call (`INFO commandstats`, the Redis rounds):\n\n");
    out.push_str("| command | calls | µs per call |\n|---|---|---|\n");
    for (cmd, calls, usec) in stats {
        out.push_str(&format!("| {cmd} | {calls} | {usec:.2} |\n"));
    }
    out
}

fn num_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}
