//! Which failed payer calls may be sent again, and how long to wait first. Only what cannot have
//! reached the payer, or what the payer asked to be retried: a refused or reset connection, 502,
//! 503, a 429 with `Retry-After`, a CORE temporary-error code. A 271 is never retried.

use std::time::Duration;

use super::ConnectorError;
use super::transport::causes;

/// CORE envelope `ErrorCode`s that say the receiver cannot process *now* (the Connectivity
/// Rule's busy/temporary errors); matched without regard to case.
pub const TEMPORARY_CORE_CODES: [&str; 2] = ["ServerBusy", "TemporarilyUnavailable"];

/// The first backoff; each retry doubles it, jittered down to half.
const BASE_BACKOFF: Duration = Duration::from_millis(100);

/// Why `e` may be retried (a short code for the metric and the log), and the wait the upstream
/// asked for; `None`: it must not be.
pub fn reason(e: &ConnectorError) -> Option<(&'static str, Option<Duration>)> {
    match e {
        ConnectorError::Unreachable { source, .. } => {
            causes(source).find_map(|c| match c.downcast_ref::<std::io::Error>()?.kind() {
                std::io::ErrorKind::ConnectionRefused => Some(("connection_refused", None)),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    Some(("connection_reset", None))
                }
                _ => None,
            })
        }
        ConnectorError::Status {
            status: 502,
            retry_after,
            ..
        } => Some(("http_502", *retry_after)),
        ConnectorError::Status {
            status: 503,
            retry_after,
            ..
        } => Some(("http_503", *retry_after)),
        // A 429 without a wait would only be throttled again.
        ConnectorError::Throttled {
            retry_after: Some(after),
            ..
        } => Some(("http_429", Some(*after))),
        ConnectorError::Refused { code, .. }
            if TEMPORARY_CORE_CODES
                .iter()
                .any(|t| t.eq_ignore_ascii_case(code)) =>
        {
            Some(("core_temporary", None))
        }
        _ => None,
    }
}

/// The wait before retry number `attempt` (0 for the first): 100 ms doubling, jittered to
/// between half and all of it so that replicas do not retry in step.
pub fn backoff(attempt: u32) -> Duration {
    let full = BASE_BACKOFF.saturating_mul(1 << attempt.min(10));
    let half = full / 2;
    let jitter_ms = fastrand::u64(0..=u64::try_from(half.as_millis()).unwrap_or(0));
    half + Duration::from_millis(jitter_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter() {
        for attempt in 0..4 {
            let full = BASE_BACKOFF * (1 << attempt);
            let b = backoff(attempt);
            assert!(b >= full / 2 && b <= full, "{attempt}: {b:?}");
        }
    }

    #[test]
    fn only_what_cannot_have_reached_the_payer_or_it_asked_for_is_retried() {
        let status = |status, retry_after| ConnectorError::Status {
            upstream: "u".into(),
            endpoint: "e",
            status,
            retry_after,
        };
        assert_eq!(reason(&status(502, None)), Some(("http_502", None)));
        let later = Some(Duration::from_secs(2));
        assert_eq!(reason(&status(503, later)), Some(("http_503", later)));
        assert_eq!(reason(&status(500, None)), None);
        assert_eq!(reason(&status(504, None)), None);
        let throttled = |retry_after| ConnectorError::Throttled {
            upstream: "u".into(),
            retry_after,
        };
        assert_eq!(reason(&throttled(None)), None);
        assert_eq!(reason(&throttled(later)), Some(("http_429", later)));
        let refused = |code: &str| ConnectorError::Refused {
            upstream: "u".into(),
            code: code.into(),
            message: crate::telemetry::Redacted("m".into()),
        };
        assert!(reason(&refused("serverbusy")).is_some());
        assert!(reason(&refused("UnAuthorized")).is_none());
        let bad = ConnectorError::BadResponse {
            upstream: "u".into(),
            reason: "r".into(),
        };
        assert_eq!(reason(&bad), None);
    }
}
