//! Serving one connection: hyper's HTTP/1 with keep-alive, the header and idle deadlines of
//! [`deadlines`](super::deadlines), and a graceful close when the gateway stops.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tower::ServiceExt as _;

use super::deadlines::{Answer, Clock, Expired, Waits, Watched};
use super::stopped;
use crate::config::Server;

impl From<&Server> for Waits {
    fn from(s: &Server) -> Self {
        Self {
            header: s.header_timeout(),
            idle: s.idle_timeout(),
        }
    }
}

/// Serves one connection until it ends, a deadline of [`Waits`] passes while no request is
/// being served, or the gateway stops; the slot is held until then.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    waits: Waits,
    mut closing: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let clock = Clock::start();
    let service = {
        let clock = Arc::clone(&clock);
        hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            clock.serving();
            let answer = router.clone().oneshot(req);
            let clock = Arc::clone(&clock);
            async move {
                let res = answer.await?;
                Ok::<_, std::convert::Infallible>(res.map(|body| Answer::new(body, clock)))
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // Our clock keeps both deadlines; hyper's own would close a quiet keep-alive connection at
    // the header deadline.
    builder
        .header_read_timeout(None)
        .keep_alive(waits.idle.is_some());
    let conn = builder.serve_connection(
        TokioIo::new(Watched::new(stream, Arc::clone(&clock))),
        service,
    );
    tokio::pin!(conn);
    let mut draining = false;
    loop {
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    connection_error(&e);
                }
                return;
            }
            expired = clock.expired(waits) => {
                // No request is being served: dropping the connection loses nothing.
                if expired == Expired::Header {
                    tracing::info!(
                        reason = "header_timeout",
                        "connection closed: request headers not complete in time"
                    );
                }
                return;
            }
            () = stopped(&mut closing), if !draining => {
                // Finishes the request being served, then closes.
                conn.as_mut().graceful_shutdown();
                draining = true;
            }
        }
    }
}

/// hyper answers some requests itself (431, 400 for a malformed request line or headers) and
/// ends the connection; this is their log line. Nothing of the request is in it.
fn connection_error(e: &hyper::Error) {
    if e.is_parse_too_large() {
        tracing::info!(
            reason = "headers_too_large",
            status = 431,
            "connection closed: request headers too large"
        );
    } else if e.is_parse() || e.is_parse_status() {
        tracing::info!(
            reason = "malformed_request",
            status = 400,
            "connection closed: malformed request"
        );
    } else if e.is_incomplete_message() {
        tracing::debug!(
            reason = "incomplete",
            "connection closed mid-request by the client"
        );
    } else {
        tracing::debug!(error = %e, "connection error");
    }
}
