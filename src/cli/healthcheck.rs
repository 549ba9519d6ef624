//! `healthcheck`: asks the running gateway's `GET /readyz` over loopback, for a container's
//! HEALTHCHECK (the image has no curl). Exit 0 when it answers 200, 1 otherwise.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Settings;

/// How long connecting, sending and reading may each take.
const TIMEOUT: Duration = Duration::from_secs(3);
/// The status line and headers are all we read.
const MAX_ANSWER: u64 = 16 * 1024;

/// The address the gateway of `settings` listens on, as seen from the same host: an unspecified
/// host (`0.0.0.0`, `::`) is asked on loopback.
pub fn target(settings: &Settings) -> String {
    let host = match settings.server.host.as_str() {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" | "[::]" => "[::1]",
        h => h,
    };
    format!("{host}:{}", settings.server.port)
}

/// Asks `GET /readyz` at `addr` (`host:port`); prints why not when it is not ready.
pub fn run(addr: &str) -> ExitCode {
    match ready(addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("eligibility-gateway healthcheck: {addr}: {why}");
            ExitCode::FAILURE
        }
    }
}

fn ready(addr: &str) -> Result<(), String> {
    let socket: SocketAddr = addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve: {e}"))?
        .next()
        .ok_or("cannot resolve")?;
    let mut stream =
        TcpStream::connect_timeout(&socket, TIMEOUT).map_err(|e| format!("cannot connect: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut answer = Vec::new();
    stream
        .take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer: {e}"))?;
    let status_line = answer.split(|b| *b == b'\n').next().unwrap_or_default();
    let status_line = String::from_utf8_lossy(status_line);
    match status_line.split_whitespace().nth(1) {
        Some("200") => Ok(()),
        Some(code) => Err(format!("/readyz answered {code}")),
        None => Err("the answer is not HTTP".into()),
    }
}
