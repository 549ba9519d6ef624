//! Cross-cutting middleware: one log line per request (no bodies, no PHI), and the whole-request
//! deadline answered in our JSON shape.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use super::error::{ApiError, ErrorCode};
use super::in_flight::InFlight;
use super::metrics::{Metrics, Recording};

tokio::task_local! {
    /// The payer ID of the request being served, for its log line: set by the eligibility flow
    /// once it has read the 270 (the same value the span records as `payer_id`).
    pub static PAYER_ID: Arc<std::sync::OnceLock<String>>;
}

/// Notes `payer_id` for the request log line (nothing when called outside a request).
pub fn note_payer_id(payer_id: &str) {
    let _ = PAYER_ID.try_with(|cell| cell.set(payer_id.to_owned()));
}

/// In a response's extensions: the request log leaves this one out (throttling counts it into a
/// summary line instead).
#[derive(Debug, Clone, Copy)]
pub struct Quiet;

/// The outermost layer: counts the request in flight (shutdown waits for it) and drops a
/// caller's request ID that is not acceptable, so the next layer makes one. One middleware for
/// both: each `from_fn` layer boxes a future per request, held while the request waits.
pub async fn admit(in_flight: Arc<InFlight>, mut req: Request, next: Next) -> Response {
    let _entered = in_flight.enter();
    super::request_id::screen(req.headers_mut());
    next.run(req).await
}

/// Opens the request span (request ID, method, route; account and payer ID recorded later by the
/// handler), counts the request in the metrics, and writes one line when the response is ready:
/// status, latency, error code. Server errors are logged with their cause chain here, once.
pub async fn observe(metrics: Arc<Metrics>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    // Borrowed, not copied: the span records its fields when it is made (and not at all when
    // the log level filters it out), so these cost nothing per request when unused.
    let request_id = req
        .headers()
        .get(super::request_id::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // The matched route, never the raw URI (a query string could carry anything).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
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
        retries = tracing::field::Empty,
    );
    // Off unless asked for (`arrivals=debug`): shows a request arriving, before its answer.
    span.in_scope(|| tracing::debug!(target: "arrivals", "request started"));
    // Copied for the request's own line, which carries them at the top level (the span's copy
    // sits under `span`, where log queries rarely look).
    let (request_id, method, route) = (
        request_id.to_owned(),
        req.method().clone(),
        route.to_owned(),
    );
    let recording = Recording::start(&mut req);
    let payer = Arc::new(std::sync::OnceLock::new());
    let res = PAYER_ID
        .scope(Arc::clone(&payer), next.run(req).instrument(span.clone()))
        .await;
    let account = recording.as_ref().and_then(Recording::account);
    if let Some(r) = recording {
        r.finish(&metrics, &res);
    }
    let status = res.status().as_u16();
    // Milliseconds with microseconds: sandbox answers take well under one.
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    if res.extensions().get::<Quiet>().is_some() {
        return res;
    }
    let code = res.extensions().get::<ErrorCode>().map_or("", |c| c.0);
    let account = account.as_deref().unwrap_or("");
    let payer_id = payer.get().map_or("", String::as_str);
    span.in_scope(|| {
        if let Some(err) = res.extensions().get::<Arc<ApiError>>() {
            let chain = error_chain(err.as_ref());
            tracing::error!(%request_id, %method, %route, account, payer_id, status, latency_ms, code, error = %chain, "request failed");
        } else {
            tracing::info!(%request_id, %method, %route, account, payer_id, status, latency_ms, code, "request");
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

/// Request line and headers together, at most (hyper refuses far larger ones itself, with an
/// empty 431, before any of our code runs).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// The innermost edge checks, in one layer (each `from_fn` layer boxes a future per request,
/// held while the request waits): oversized request headers get our JSON 431 where hyper has
/// let them through; the whole-request deadline (set above the payer's) answers our 408; and
/// every answer says `Cache-Control: no-store`: eligibility answers and their errors carry PHI,
/// and nothing this gateway says is meant to be cached.
pub async fn edge(limit: Duration, req: Request, next: Next) -> Response {
    let mut res = if header_bytes(&req) > MAX_HEADER_BYTES {
        ApiError::HeadersTooLarge {
            limit: MAX_HEADER_BYTES,
        }
        .into_response()
    } else {
        match tokio::time::timeout(limit, next.run(req)).await {
            Ok(res) => res,
            Err(_) => ApiError::RequestTimeout.into_response(),
        }
    };
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res
}

/// The request line's URI and the headers, as hyper counted them (near enough).
fn header_bytes(req: &Request) -> usize {
    let uri = req.uri();
    // Origin-form (nearly every request) needs no formatting to be counted.
    let uri_len = if uri.authority().is_some() {
        uri.to_string().len()
    } else {
        uri.path_and_query().map_or(1, |p| p.as_str().len())
    };
    uri_len
        + req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum::<usize>()
}
