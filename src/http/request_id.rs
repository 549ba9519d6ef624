//! Request IDs: a caller's `x-request-id` is kept only when it is at most 64 characters of
//! `[A-Za-z0-9._:-]` (it goes into a header, `meta.traceId` and the log); otherwise, or when
//! absent, the gateway makes a UUID-shaped one from a thread-local generator (no OS call).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use tower_http::request_id::{MakeRequestId, RequestId};

/// The header.
pub const HEADER: &str = "x-request-id";
/// Longest accepted caller ID.
pub const MAX_LEN: usize = 64;

/// Whether a caller's ID can be used as is.
pub fn acceptable(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
}

/// Drops a caller's ID that is not acceptable, so the next layer makes one.
pub fn screen(headers: &mut HeaderMap) {
    let bad = headers
        .get_all(HEADER)
        .iter()
        .enumerate()
        .any(|(i, v)| i > 0 || !acceptable(v.as_bytes()));
    if bad {
        headers.remove(HEADER);
    }
}

/// The request's ID as the handler sees it (screened, or made by the gateway), for
/// `meta.traceId`. Extracted instead of the whole `HeaderMap`: a waiting request holds this
/// string, not a copy of every header.
#[derive(Debug, Clone, Default)]
pub struct TraceId(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for TraceId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .headers
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// UUID v4 from `fastrand`'s per-thread generator: unique enough for tracing, never a syscall.
#[derive(Debug, Clone, Copy, Default)]
pub struct FastRequestId;

impl MakeRequestId for FastRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes()).into_uuid();
        HeaderValue::from_str(&id.hyphenated().to_string())
            .ok()
            .map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_kept() {
        for ok in ["abc", "req-1.2_3:4", &"a".repeat(64)] {
            assert!(acceptable(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "",
            &"a".repeat(65),
            "a b",
            "a/b",
            "é",
            "SMITH*ROBERT",
            "a\u{7f}",
        ] {
            assert!(!acceptable(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn generated_ids_are_v4_uuids_and_differ() {
        let req = axum::http::Request::new(());
        let a = FastRequestId.make_request_id(&req).unwrap();
        let b = FastRequestId.make_request_id(&req).unwrap();
        let a = a.header_value().to_str().unwrap();
        assert_ne!(a, b.header_value().to_str().unwrap());
        assert_eq!(uuid::Uuid::parse_str(a).unwrap().get_version_num(), 4);
    }
}
