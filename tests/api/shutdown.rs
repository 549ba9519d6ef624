//! SIGTERM against the real binary: requests in flight finish, `/readyz` turns 503, a stuck request
//! is cut off after the grace, and a connection that never finished its headers does not delay the
//! exit. Exit code 0 in every case.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use crate::helpers::{DEMO_KEY, RAW, member_inquiry};

const BIN: &str = env!("CARGO_BIN_EXE_eligibility-gateway");

/// The binary, serving on a free loopback port, its log lines arriving on a channel.
pub(crate) struct Gateway {
    /// Taken by `exit_code`.
    child: Option<Child>,
    /// The process ID.
    pub(crate) pid: u32,
    addr: String,
    lines: mpsc::Receiver<Value>,
}

impl Gateway {
    pub(crate) fn start(env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(BIN);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env("GATEWAY__SERVER__HOST", "127.0.0.1")
            .env("GATEWAY__SERVER__PORT", "0")
            .env("GATEWAY__LOG__FORMAT", "json")
            .env("GATEWAY__LOG__LEVEL", "info,arrivals=debug")
            .env_remove("RUST_LOG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the binary");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::sync_channel(1024);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && tx.send(v).is_err()
                {
                    break;
                }
            }
        });
        let mut gw = Self {
            pid: child.id(),
            child: Some(child),
            addr: String::new(),
            lines,
        };
        let listening = gw.wait_for("listening");
        listening["addr"].as_str().unwrap().clone_into(&mut gw.addr);
        gw
    }

    /// The next log line whose message is `message` (earlier lines are skipped).
    pub(crate) fn wait_for(&mut self, message: &str) -> Value {
        for _ in 0..10_000 {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no log line {message:?}"));
            if line["message"] == message {
                return line;
            }
        }
        panic!("no log line {message:?}");
    }

    fn sigterm(&self) {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM");
    }

    /// Waits (guarded) for the exit and returns the exit code.
    async fn exit_code(&mut self) -> i32 {
        // `wait` blocks; a thread does it while the test waits on the answer with a guard.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let mut child = self.child.take().expect("not waited for yet");
        std::thread::spawn(move || {
            let _ = tx.send(child.wait().map(|s| s.code().unwrap_or(-1)));
        });
        if let Ok(Ok(Ok(code))) = tokio::time::timeout(Duration::from_secs(30), rx).await {
            return code;
        }
        let _ = Command::new("kill")
            .args(["-KILL", &self.pid.to_string()])
            .status();
        panic!("the gateway did not exit within 30 s of SIGTERM");
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn send_slow_request(gw: &Gateway) -> tokio::task::JoinHandle<reqwest::StatusCode> {
    let url = gw.url(RAW);
    tokio::spawn(async move {
        reqwest::Client::new()
            .post(url)
            .header("Authorization", DEMO_KEY)
            .json(&serde_json::json!({ "x12": member_inquiry() }))
            .send()
            .await
            .map_or(reqwest::StatusCode::IM_A_TEAPOT, |r| r.status())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_request_in_flight_finish_and_readyz_turns_503() {
    let mut gw = Gateway::start(&[("GATEWAY__SANDBOX__DELAY_MS", "1500")]);
    // A connection opened before the signal, its headers not yet complete.
    let mut probe = tokio::net::TcpStream::connect(&gw.addr).await.unwrap();
    probe
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    let request = send_slow_request(&gw);
    gw.wait_for("request started");
    gw.sigterm();
    let draining = gw.wait_for("shutting down: no new connections, waiting for requests in flight");
    assert_eq!(draining["in_flight"], 1);
    probe.write_all(b"\r\n").await.unwrap();
    let answer = crate::helpers::read_until_closed(&mut probe).await;
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("draining"), "{answer}");
    assert_eq!(request.await.unwrap(), reqwest::StatusCode::OK);
    let stopped = gw.wait_for("stopped: every request in flight finished");
    assert_eq!(stopped["cut_off"], 0);
    assert_eq!(gw.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_still_running_at_the_end_of_the_grace_is_cut_off_and_counted() {
    let mut gw = Gateway::start(&[
        ("GATEWAY__SANDBOX__DELAY_MS", "60000"),
        ("GATEWAY__SERVER__SHUTDOWN_GRACE_MS", "500"),
    ]);
    let request = send_slow_request(&gw);
    gw.wait_for("request started");
    gw.sigterm();
    let stopped =
        gw.wait_for("stopped: requests still in flight at the end of the grace were cut off");
    assert_eq!(stopped["cut_off"], 1);
    assert_eq!(gw.exit_code().await, 0);
    assert_ne!(request.await.unwrap(), reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_stuck_in_its_headers_does_not_delay_the_exit() {
    // Both deadlines far beyond the 30 s the test waits for the exit.
    let mut gw = Gateway::start(&[
        ("GATEWAY__SERVER__HEADER_TIMEOUT_MS", "600000"),
        ("GATEWAY__SERVER__SHUTDOWN_GRACE_MS", "600000"),
    ]);
    let mut stuck = tokio::net::TcpStream::connect(&gw.addr).await.unwrap();
    stuck
        .write_all(b"POST /change/medicalnetwork/eligibility/v3/raw-x12 HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    let idle = tokio::net::TcpStream::connect(&gw.addr).await.unwrap();
    // Answered on a later connection, so both above were accepted before the signal.
    let status = reqwest::get(gw.url("/livez")).await.unwrap().status();
    assert_eq!(status, reqwest::StatusCode::OK);
    gw.sigterm();
    let stopped = gw.wait_for("stopped: every request in flight finished");
    assert_eq!(stopped["cut_off"], 0);
    assert_eq!(gw.exit_code().await, 0);
    // Both client sockets stayed open until the gateway had exited.
    drop((stuck, idle));
}
