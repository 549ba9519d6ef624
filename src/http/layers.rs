//! Cross-cutting middleware: one log line per request (no bodies, no PHI), and the whole-request
//! deadline answered in our JSON shape.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::error::{ApiError, ErrorCode};

/// In a response's extensions: the request log leaves this one out (throttling counts it into a
/// summary line instead).
#[derive(Debug, Clone, Copy)]
pub struct Quiet;

/// Opens the request span (request ID, method, route; account and payer ID recorded later by the
/// handler) and writes one line when the response is ready: status, latency, error code. Server
/// errors are logged with their cause chain here, once.
pub async fn log_request(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // The matched route, never the raw URI (a query string could carry anything).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_owned();
    // Probes are polled every few seconds; a line each would drown the log.
    if route == super::probes::LIVEZ || route == super::probes::READYZ {
        return next.run(req).await;
    }
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = %route,
        account = tracing::field::Empty,
        payer_id = tracing::field::Empty,
    );
    // Off unless asked for (`arrivals=debug`): shows a request arriving, before its answer.
    span.in_scope(|| tracing::debug!(target: "arrivals", "request started"));
    let res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if res.extensions().get::<Quiet>().is_some() {
        return res;
    }
    let code = res.extensions().get::<ErrorCode>().map_or("", |c| c.0);
    span.in_scope(|| {
        if let Some(err) = res.extensions().get::<Arc<ApiError>>() {
            let chain = error_chain(err.as_ref());
            tracing::error!(status, latency_ms, code, error = %chain, "request failed");
        } else {
            tracing::info!(status, latency_ms, code, "request");
        }
    });
    res
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// `Cache-Control: no-store` on every answer: eligibility answers and their errors carry PHI, and
/// nothing this gateway says is meant to be cached.
pub async fn no_store(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// Request line and headers together, at most (hyper refuses far larger ones itself, with an
/// empty 431, before any of our code runs).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Oversized request headers get our JSON 431, where hyper has let them through.
pub async fn header_limit(req: Request, next: Next) -> Response {
    let size = req.uri().to_string().len()
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>();
    if size > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        }
        .into_response();
    }
    next.run(req).await
}

/// The whole-request backstop, set above the payer deadline.
pub async fn deadline(limit: Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => ApiError::RequestTimeout.into_response(),
    }
}
