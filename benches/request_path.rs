//! The whole request path against the HTTP cost of the same exchange, measured side by side.
//!
//! Two servers run as separate processes on loopback and `wrk` loads each in turn, interleaved over
//! several rounds of one run (these machines are noisy, so the ratio is the figure, not the
//! absolute numbers):
//! - the gateway (the release binary, embedded defaults: sandbox payer, Change's documented 270);
//! - a canned anchor: an axum server (this bench binary, re-run as a server) that parses the same
//!   request body and answers the gateway's own answer bytes, fetched from the gateway first.
//!
//! Two groups: eligibility (the 270 on Stedi's raw-x12 path) and claim status (the README's
//! sandbox 276 on Change's claim status raw-x12 path), each against its own canned anchor.
//!
//! `REQUEST_PATH_SECONDS` (default 5 per server per round), `REQUEST_PATH_ROUNDS` (default 3),
//! `REQUEST_PATH_CONNECTIONS` (default 32) and `REQUEST_PATH_THREADS` (default 2) tune it. Needs
//! `wrk` (`apt-get install -y wrk`). The report is printed and written to
//! `target/request-path-report.md`.
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

use std::process::Command;

use support::{Gateway, env_or, post_json};

/// Environment variable that turns this binary into the canned anchor server.
const CANNED_ROLE: &str = "REQUEST_PATH_CANNED_ANSWER";

fn main() {
    if let Ok(answer_file) = std::env::var(CANNED_ROLE) {
        canned::serve(&answer_file);
        return;
    }
    let seconds = env_or("REQUEST_PATH_SECONDS", 5);
    let rounds = env_or("REQUEST_PATH_ROUNDS", 3);
    let connections = env_or("REQUEST_PATH_CONNECTIONS", 32);
    let threads = env_or("REQUEST_PATH_THREADS", 2);
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("request_path: `wrk` is not installed; apt-get install -y wrk");
        std::process::exit(1);
    }

    let gateway = Gateway::start(&[("GATEWAY__LIMITS__PER_ACCOUNT", "100000")]);
    let run = Run {
        seconds,
        rounds,
        connections,
        threads,
    };
    let claim_status: serde_json::Value =
        serde_json::from_str(include_str!("../examples/claim-status-raw-x12.json")).unwrap();
    let mut report = format!(
        "# Request path benchmark\n\n`wrk -t{threads} -c{connections} -d{seconds}s`, {rounds} interleaved rounds per group.\n"
    );
    for (group, path, body) in [
        (
            "Eligibility: Change's documented 270",
            support::RAW_PATH,
            support::request_body(),
        ),
        (
            "Claim status: the README's sandbox 276",
            CLAIM_STATUS_PATH,
            claim_status.to_string(),
        ),
    ] {
        report.push_str(&measure(&gateway, &run, group, path, &body));
    }
    println!("{report}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .parent()
            .unwrap()
            .join("request-path-report.md"),
        &report,
    );
    drop(gateway);
}

/// Change's claim status raw X12 path.
const CLAIM_STATUS_PATH: &str = "/medicalnetwork/claimstatus/v2/raw-x12";

/// How long and how hard each server is loaded.
struct Run {
    seconds: usize,
    rounds: usize,
    connections: usize,
    threads: usize,
}

/// One group: the gateway on `path` against a canned anchor answering its bytes; the report part.
fn measure(gateway: &Gateway, run: &Run, group: &str, path: &str, body: &str) -> String {
    let (status, answer) = post_json(gateway.port, path, body, Some(support::KEY));
    assert_eq!(status, 200, "the gateway answers the request of {group}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let answer_file = dir.join("request-path-answer.json");
    std::fs::write(&answer_file, &answer).unwrap();
    let canned = canned::Server::start(&answer_file, path);
    let (_, canned_answer) = post_json(canned.port, path, body, None);
    assert_eq!(
        canned_answer, answer,
        "the canned anchor answers the same bytes"
    );

    let script = dir.join("request-path.lua");
    std::fs::write(&script, support::wrk_script(body, Some(support::KEY))).unwrap();
    let wrk = |port: u16, seconds: usize| {
        support::wrk(
            &format!("http://127.0.0.1:{port}{path}"),
            &script,
            run.threads,
            run.connections,
            seconds,
        )
    };
    // Warm both up, then interleave.
    let _ = wrk(gateway.port, 1);
    let mut rows = String::new();
    let mut ratios = Vec::new();
    for round in 1..=run.rounds {
        let c = wrk(canned.port, run.seconds);
        let g = wrk(gateway.port, run.seconds);
        ratios.push(g.rps / c.rps);
        for (name, r) in [("canned anchor", &c), ("gateway", &g)] {
            rows.push_str(&format!(
                "| {round} | {name} | {:.0} | {} | {} |\n",
                r.rps, r.p50, r.p99
            ));
        }
    }
    ratios.sort_by(f64::total_cmp);
    let median = ratios[ratios.len() / 2];
    format!(
        "\n## {group}\n\n`POST {path}`, {} bytes of body, answer {} bytes.\n\n\
         | round | server | req/s | p50 | p99 |\n|---|---|---|---|---|\n{rows}\n\
         Gateway / canned anchor throughput: median {median:.2} (rounds: {}).\n",
        body.len(),
        answer.len(),
        ratios
            .iter()
            .map(|r| format!("{r:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The canned anchor: parses the request body as the gateway's route does, answers fixed bytes.
mod canned {
    use std::process::{Child, Command, Stdio};

    use axum::Router;
    use axum::http::header::CONTENT_TYPE;
    use axum::routing::post;

    /// The body the raw-X12 route reads.
    #[derive(serde::Deserialize)]
    struct RawX12 {
        x12: String,
    }

    /// Runs the server (in the re-run bench binary) until killed.
    pub fn serve(answer_file: &str) {
        let answer = bytes_of(answer_file);
        let port: u16 = std::env::var("REQUEST_PATH_CANNED_PORT")
            .unwrap()
            .parse()
            .unwrap();
        let route = std::env::var("REQUEST_PATH_CANNED_ROUTE").unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = Router::new().route(
                &route,
                post(move |body: axum::Json<RawX12>| {
                    let answer = answer.clone();
                    async move {
                        std::hint::black_box(body.x12.len());
                        ([(CONTENT_TYPE, "application/json")], answer)
                    }
                }),
            );
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    }

    fn bytes_of(path: &str) -> axum::body::Bytes {
        axum::body::Bytes::from(std::fs::read(path).unwrap())
    }

    /// The canned server as a child process, killed on drop.
    pub struct Server {
        child: Child,
        pub port: u16,
    }

    impl Server {
        pub fn start(answer_file: &std::path::Path, route: &str) -> Self {
            let port = super::support::free_port();
            let child = Command::new(std::env::current_exe().unwrap())
                .env(super::CANNED_ROLE, answer_file)
                .env("REQUEST_PATH_CANNED_PORT", port.to_string())
                .env("REQUEST_PATH_CANNED_ROUTE", route)
                .stdout(Stdio::null())
                .spawn()
                .unwrap();
            super::support::wait_listening(port);
            Self { child, port }
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
