//! What the transaction store costs on the request path, side by side in one run: the same
//! gateway binary with the store off, on SQLite, and on PostgreSQL (a server this bench starts:
//! initdb + postgres on a free loopback port, as the postgres user when root), loaded in turn by
//! `wrk` over interleaved rounds (1 024 variants of Change's documented 270 in turn: records
//! written together are compressed as one, so identical requests would flatter the store), with
//! the CPU each configuration's rounds took per request, the gateway's and PostgreSQL's (from
//! `/proc`: throughput shares two cores with `wrk`, the CPU says what recording itself costs);
//! then a duplicate hit against the sandbox with a 1 s delay, and the end-to-end latency of
//! replayed answers (p50/p99, an upper bound on the duplicate lookup) with the lookup's own mean
//! from `gateway_store_duplicate_lookup_duration_seconds`.
//!
//! `STORE_PATH_SECONDS` (default 5), `STORE_PATH_ROUNDS` (default 3), `STORE_PATH_CONNECTIONS`
//! (default 32), `STORE_PATH_THREADS` (default 2), `STORE_PATH_REPLAYS` (default 200). Needs `wrk`
//! and PostgreSQL (`apt-get install -y wrk postgresql`). The report is printed and written to
//! `target/store-path-report.md`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::format_push_string,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{Gateway, cpu_ticks, cpu_ticks_with_children, env_or, post_json};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn as_postgres(program: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

/// A throwaway PostgreSQL server, stopped and removed on drop.
struct Postgres {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Postgres {
    fn start() -> Self {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path().join("bin"))
            .find(|b| b.join("initdb").exists())
            .unwrap_or_else(|| {
                panic!("no /usr/lib/postgresql/*/bin/initdb: apt-get install -y postgresql")
            });
        let dir = std::env::temp_dir().join(format!("eg-bench-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            assert!(
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&dir)
                    .status()
                    .unwrap()
                    .success()
            );
        }
        let data = dir.join("data");
        let data_s = data.to_str().unwrap();
        let ok = as_postgres(
            &bin.join("initdb"),
            &["-D", data_s, "-A", "trust", "-U", "postgres", "--no-sync"],
        )
        .stdout(Stdio::null())
        .status()
        .unwrap()
        .success();
        assert!(ok, "initdb");
        let port = support::free_port();
        let port_s = port.to_string();
        let dir_s = dir.to_str().unwrap();
        // Durable settings (fsync on): the figure is what a real deployment pays.
        let child = as_postgres(
            &bin.join("postgres"),
            &[
                "-D",
                data_s,
                "-p",
                &port_s,
                "-k",
                dir_s,
                "-c",
                "listen_addresses=127.0.0.1",
            ],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        support::wait_listening(port);
        std::thread::sleep(Duration::from_millis(500));
        Self { child, dir, port }
    }

    /// The postmaster's pid (it heads `postmaster.pid`), once it has written the file.
    fn postmaster(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.join("data/postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    fn pid(&self) -> u32 {
        self.postmaster().expect("postmaster.pid names the server")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Signal the postmaster itself (its pid heads postmaster.pid): runuser, our child when
        // root, does not pass SIGINT on, and waiting for it hung the bench after its report.
        let pid = self.postmaster().unwrap_or_else(|| self.child.id());
        let _ = Command::new("kill")
            .arg("-INT")
            .arg(pid.to_string())
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// CPU ticks (100 a second, as Linux reports them) and requests over one configuration's rounds.
#[derive(Debug, Default, Clone, Copy)]
struct Cpu {
    gateway: u64,
    postgres: u64,
    requests: f64,
}

impl Cpu {
    /// `ticks` as µs a request.
    fn us(&self, ticks: u64) -> f64 {
        ticks as f64 * 10_000.0 / self.requests.max(1.0)
    }
}

/// A duplicate hit against the sandbox answering after 1 s: the report's sentence.
fn duplicate_hits(tmp: &Path, body: &str, replays: usize) -> String {
    let dedup_url = format!("sqlite://{}/dedup.db", tmp.display());
    let slow = Gateway::start(&[
        ("GATEWAY__STORE__URL", &dedup_url),
        ("GATEWAY__SANDBOX__DELAY_MS", "1000"),
        ("GATEWAY__DEDUPLICATION__LOOKBACK_HOURS", "1"),
    ]);
    let started = Instant::now();
    assert_eq!(
        post_json(slow.port, support::RAW_PATH, body, Some(support::KEY)).0,
        200
    );
    let first = started.elapsed();
    // Wait (bounded) for the writer, then replay.
    let deadline = Instant::now() + Duration::from_secs(10);
    while metric(slow.port, "gateway_store_records_written_total") < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the first transaction was never written"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut times = Vec::with_capacity(replays);
    for _ in 0..replays {
        let t = Instant::now();
        assert_eq!(
            post_json(slow.port, support::RAW_PATH, body, Some(support::KEY)).0,
            200
        );
        times.push(t.elapsed());
    }
    times.sort();
    let hits = metric(slow.port, "gateway_store_duplicate_hits_total");
    let lookup_sum = metric(
        slow.port,
        "gateway_store_duplicate_lookup_duration_seconds_sum",
    );
    let lookup_count = metric(
        slow.port,
        "gateway_store_duplicate_lookup_duration_seconds_count",
    );
    drop(slow);
    let (p50, p99) = (percentile(&times, 0.5), percentile(&times, 0.99));
    format!(
        "Duplicate hit (SQLite, sandbox delay 1 s): first request {:.0} ms; {replays} replays \
         (new connection each): p50 {:.2} ms, p99 {:.2} ms ({:.0}x faster at p99); \
         {hits:.0} hits; mean lookup {:.3} ms.\n",
        first.as_secs_f64() * 1e3,
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        first.as_secs_f64() / p99.as_secs_f64(),
        if lookup_count > 0.0 {
            lookup_sum / lookup_count * 1e3
        } else {
            f64::NAN
        },
    )
}

/// The CPU table and what recording adds to a request's CPU.
fn cpu_report(cpu: &[Cpu; 3]) -> String {
    use std::fmt::Write as _;
    let mut rows = String::new();
    for (name, c) in ["store off", "SQLite", "PostgreSQL"].iter().zip(cpu) {
        let _ = writeln!(
            rows,
            "| {name} | {:.1} | {:.1} | {:.1} |",
            c.us(c.gateway),
            c.us(c.postgres),
            c.us(c.gateway + c.postgres)
        );
    }
    let base = cpu[0].us(cpu[0].gateway + cpu[0].postgres);
    let extra = |c: &Cpu| {
        let d = c.us(c.gateway + c.postgres) - base;
        format!("{d:+.1} µs ({:+.1}%)", d / base * 100.0)
    };
    format!(
        "CPU a request over all rounds, gateway and PostgreSQL (`/proc` ticks; the gateway's \
         threads include SQLite's writer; `wrk`'s own CPU is not counted):\n\n\
         | store | gateway µs | PostgreSQL µs | together µs |\n|---|---|---|---|\n{rows}\n\
         Recording's CPU against the store off: SQLite {}, PostgreSQL {}.\n",
        extra(&cpu[1]),
        extra(&cpu[2]),
    )
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    // Nearest rank: p in 0..=1, so the index is within the slice.
    let rank = (sorted.len() - 1) * (p * 1000.0).round().clamp(0.0, 1000.0) as usize / 1000;
    sorted[rank.min(sorted.len() - 1)]
}

fn metric(port: u16, name: &str) -> f64 {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    text.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn main() {
    let seconds = env_or("STORE_PATH_SECONDS", 5);
    let rounds = env_or("STORE_PATH_ROUNDS", 3);
    let connections = env_or("STORE_PATH_CONNECTIONS", 32);
    let threads = env_or("STORE_PATH_THREADS", 2);
    let replays = env_or("STORE_PATH_REPLAYS", 200);
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("store_path: `wrk` is not installed; apt-get install -y wrk");
        std::process::exit(1);
    }
    let tmp =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("store-path-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let pg = Postgres::start();
    let key = "q0dV4cZkXk3tq4d2bCq3yY9mN3b2V5n6cQ8r0tZ1x2M=";
    let many = ("GATEWAY__LIMITS__PER_ACCOUNT", "100000");
    let sqlite_url = format!("sqlite://{}/gateway.db", tmp.display());
    let pg_url = format!("postgres://postgres@127.0.0.1:{}/postgres", pg.port);
    let off = Gateway::start(&[many, ("GATEWAY__STORE__ENABLED", "false")]);
    let sqlite = Gateway::start(&[many, ("GATEWAY__STORE__URL", &sqlite_url)]);
    let postgres = Gateway::start(&[
        many,
        ("GATEWAY__STORE__URL", &pg_url),
        ("GATEWAY__STORE__ENCRYPTION_KEY_ENV", "STORE_PATH_KEY"),
        ("STORE_PATH_KEY", key),
    ]);
    let body = support::request_body();
    for g in [&off, &sqlite, &postgres] {
        assert_eq!(
            post_json(g.port, support::RAW_PATH, &body, Some(support::KEY)).0,
            200
        );
    }
    // Different requests, as real traffic is: identical ones would flatter the store, which
    // compresses the records written together as one.
    let script = tmp.join("store-path.lua");
    std::fs::write(&script, support::wrk_script_varied(1024, support::KEY)).unwrap();
    let wrk = |port: u16, secs: usize| {
        support::wrk(
            &format!("http://127.0.0.1:{port}{}", support::RAW_PATH),
            &script,
            threads,
            connections,
            secs,
        )
    };
    for g in [&off, &sqlite, &postgres] {
        let _ = wrk(g.port, 1);
    }
    let mut rows = String::new();
    let (mut sq, mut pq) = (Vec::new(), Vec::new());
    // CPU over each configuration's rounds: the gateway's (all its threads, SQLite's writer
    // among them) and PostgreSQL's (postmaster, backends and helpers), and the requests served.
    let mut cpu = [Cpu::default(); 3];
    let mut measured = |i: usize, g: &Gateway| {
        let (g0, p0) = (cpu_ticks(g.pid()), cpu_ticks_with_children(pg.pid()));
        let r = wrk(g.port, seconds);
        let c = &mut cpu[i];
        c.gateway += cpu_ticks(g.pid()) - g0;
        c.postgres += cpu_ticks_with_children(pg.pid()).saturating_sub(p0);
        c.requests += r.rps * seconds as f64;
        r
    };
    for round in 1..=rounds {
        let o = measured(0, &off);
        let s = measured(1, &sqlite);
        let p = measured(2, &postgres);
        sq.push(s.rps / o.rps);
        pq.push(p.rps / o.rps);
        for (name, r) in [("store off", &o), ("SQLite", &s), ("PostgreSQL", &p)] {
            rows.push_str(&format!(
                "| {round} | {name} | {:.0} | {} | {} |\n",
                r.rps, r.p50, r.p99
            ));
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let cpu_summary = cpu_report(&cpu);
    let written_sqlite = metric(sqlite.port, "gateway_store_records_written_total");
    let dropped_sqlite = metric(sqlite.port, "gateway_store_errors_total");
    let written_pg = metric(postgres.port, "gateway_store_records_written_total");
    let dropped_pg = metric(postgres.port, "gateway_store_errors_total");
    drop((off, sqlite, postgres));

    let duplicate = duplicate_hits(&tmp, &body, replays);
    let report = format!(
        "# Store path benchmark\n\n`wrk -t{threads} -c{connections} -d{seconds}s`, {rounds} interleaved rounds, \
         1 024 variants of Change's documented 270 in turn (control and trace numbers, member \
         name, date of birth), the same binary with the store off, on SQLite and on PostgreSQL \
         (fsync on).\n\n| round | store | req/s | p50 | p99 |\n|---|---|---|---|---|\n{rows}\n\
         Throughput with the store / without: SQLite median {:.2}, PostgreSQL median {:.2}.\n\n\
         {cpu_summary}\n\
         Records written: SQLite {written_sqlite:.0} (errors/dropped {dropped_sqlite:.0}), \
         PostgreSQL {written_pg:.0} (errors/dropped {dropped_pg:.0}).\n\n\
         {duplicate}",
        median(&mut sq),
        median(&mut pq),
    );
    println!("{report}");
    let _ = std::fs::write(
        Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("store-path-report.md"),
        &report,
    );
    drop(pg);
    let _ = std::fs::remove_dir_all(&tmp);
}
