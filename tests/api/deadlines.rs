//! Connection deadlines over a raw socket: slow headers and idle connections are closed, a stalled
//! body gets 408, a quiet keep-alive connection and a slow request outlive the header deadline, past `max_connections` new connections wait, hyper's own rejections are logged.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::helpers::{
    RAW, TestApp, exchange, log_lines_with, raw_connect, read_until_closed, spawn_app,
};

#[tokio::test]
async fn headers_sent_too_slowly_are_cut_off() {
    let app = spawn_app(|s| s.server.header_timeout_ms = 300).await;
    // The rest of the headers never come: the server must end the connection by itself.
    let answer = exchange(
        &app,
        b"POST /change/medicalnetwork/eligibility/v3/raw-x12 HTTP/1.1\r\nHost: a\r\n",
    )
    .await;
    assert!(!answer.contains("200 OK"), "{answer}");
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed() {
    let app = spawn_app(|s| s.server.header_timeout_ms = 300).await;
    let mut s = raw_connect(&app).await;
    assert_eq!(read_until_closed(&mut s).await, "");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_its_request() {
    let app = spawn_app(|s| {
        s.server.header_timeout_ms = 60_000;
        s.server.idle_timeout_ms = 300;
    })
    .await;
    let answer = exchange(&app, b"GET /livez HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "keep-alive was offered, then the idle deadline closed it: {answer}"
    );
}

/// Reads one answer off a keep-alive connection: the head, then `Content-Length` bytes.
async fn read_answer(s: &mut tokio::net::TcpStream) -> String {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    let read = async {
        while !got.ends_with(b"\r\n\r\n") {
            assert_eq!(s.read(&mut byte).await.unwrap(), 1, "closed mid-answer");
            got.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse().unwrap());
        let mut body = vec![0u8; length];
        s.read_exact(&mut body).await.unwrap();
        got.extend_from_slice(&body);
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("an answer");
    String::from_utf8_lossy(&got).into_owned()
}

const LIVEZ: &[u8] = b"GET /livez HTTP/1.1\r\nHost: a\r\n\r\n";

/// A gateway with a short header deadline (200 ms) and a long idle one (60 s), and a keep-alive
/// connection to it that has had one answer.
async fn answered_once() -> (TestApp, tokio::net::TcpStream) {
    let app = spawn_app(|s| {
        s.server.header_timeout_ms = 200;
        s.server.idle_timeout_ms = 60_000;
    })
    .await;
    let mut s = raw_connect(&app).await;
    s.write_all(LIVEZ).await.unwrap();
    let answer = read_answer(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    (app, s)
}

#[tokio::test]
async fn a_quiet_keep_alive_connection_outlives_the_header_deadline() {
    let (_app, mut s) = answered_once().await;
    // Quiet for three header deadlines: only the (much longer) idle deadline applies.
    tokio::time::sleep(Duration::from_millis(600)).await;
    s.write_all(b"GET /livez HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut s).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_next_request_begun_on_a_keep_alive_connection_has_the_header_deadline() {
    let (_app, mut s) = answered_once().await;
    s.write_all(b"GET /livez HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    // Closed well before the idle deadline (read_until_closed gives up at 20 s).
    assert_eq!(read_until_closed(&mut s).await, "");
}

#[tokio::test]
async fn a_request_served_longer_than_the_header_deadline_is_answered() {
    let (gated, app) = crate::limits::gated_app(|s| {
        s.server.header_timeout_ms = 200;
        s.server.idle_timeout_ms = 200;
    })
    .await;
    let sent = crate::limits::send(&app, 1);
    gated.arrived(1).await;
    // Held at the payer past both deadlines: a request being served has neither.
    tokio::time::sleep(Duration::from_millis(600)).await;
    gated.go(1);
    for s in sent {
        assert_eq!(s.await.unwrap().0, reqwest::StatusCode::OK);
    }
}

#[tokio::test]
async fn keep_alive_off_closes_after_one_request() {
    let app = spawn_app(|s| s.server.idle_timeout_ms = 0).await;
    let answer = exchange(&app, b"GET /livez HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_stalled_body_gets_408_in_our_shape_logged_as_a_client_error() {
    let app = spawn_app(|s| s.server.body_timeout_ms = 300).await;
    let head = format!(
        "POST {RAW} HTTP/1.1\r\nHost: a\r\nAuthorization: sandbox-api-key\r\nContent-Type: application/json\r\nContent-Length: 500\r\nx-request-id: stalled-body-408\r\n\r\n{{\"x12\": \"ISA*"
    );
    let answer = exchange(&app, head.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("cache-control: no-store"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["code"], "REQUEST_TIMEOUT");
    assert!(body["message"].as_str().unwrap().contains("300 ms"));
    let lines = log_lines_with("stalled-body-408");
    let line = lines
        .iter()
        .find(|l| l["status"] == 408)
        .expect("the 408 is logged");
    assert_eq!(line["level"], "INFO", "a client error, not ERROR: {line}");
    assert_eq!(line["code"], "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn the_token_endpoint_body_has_the_same_deadline() {
    let app = spawn_app(|s| s.server.body_timeout_ms = 300).await;
    let answer = exchange(&app, b"POST /apip/auth/v2/token HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\ngrant_type=client_").await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
}

#[tokio::test]
async fn past_max_connections_a_new_connection_waits_until_one_closes() {
    let app = spawn_app(|s| s.server.max_connections = 1).await;
    let first = raw_connect(&app).await;
    // Accepted by the kernel (backlog), not yet by the gateway.
    let mut second = raw_connect(&app).await;
    second
        .write_all(b"GET /livez HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut byte = [0u8; 1];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), second.read(&mut byte))
            .await
            .is_err(),
        "the second connection is not served while the first holds the only slot"
    );
    drop(first);
    let answer = read_until_closed(&mut second).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn large_headers_hyper_lets_through_get_our_json_431() {
    let app = spawn_app(|_| {}).await;
    let res = app
        .post(RAW)
        .header("Authorization", "sandbox-api-key")
        .header("x-padding", "p".repeat(40 * 1024))
        .header("x-request-id", "big-headers-431")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 431);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "REQUEST_HEADER_FIELDS_TOO_LARGE");
    let line = log_lines_with("big-headers-431")
        .into_iter()
        .find(|l| l["status"] == 431)
        .expect("logged");
    assert_eq!(line["level"], "INFO");
}

#[tokio::test]
async fn hypers_own_rejections_are_logged() {
    let app = spawn_app(|_| {}).await;
    let answer = exchange(&app, b"NOT AN HTTP REQUEST\r\n\r\n").await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    let huge = format!(
        "GET /livez HTTP/1.1\r\nHost: a\r\nx-big: {}\r\n\r\n",
        "a".repeat(600 * 1024)
    );
    let answer = exchange(&app, huge.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    assert!(!log_lines_with("\"malformed_request\"").is_empty());
    assert!(!log_lines_with("\"headers_too_large\"").is_empty());
}
