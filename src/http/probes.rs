//! `GET /livez` and `GET /readyz`: no auth, not logged per call. Readiness is a set of flags any
//! component can raise (draining after a stop signal; the limiter backend when it refuses work).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::AppState;

/// Liveness path.
pub const LIVEZ: &str = "/livez";
/// Readiness path.
pub const READYZ: &str = "/readyz";

/// Why the gateway does not accept work right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReady {
    /// A stop signal arrived; requests in flight are finishing.
    Draining,
    /// The limiter's shared backend is unreachable and configured to refuse work.
    LimiterBackend,
}

impl NotReady {
    const ALL: [Self; 2] = [Self::Draining, Self::LimiterBackend];

    fn bit(self) -> u8 {
        match self {
            Self::Draining => 1,
            Self::LimiterBackend => 2,
        }
    }

    /// The reason as `/readyz` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draining => "draining",
            Self::LimiterBackend => "limiter_backend_unreachable",
        }
    }
}

/// Readiness flags, shared by whoever can make the gateway unready.
#[derive(Debug, Default)]
pub struct Readiness {
    flags: AtomicU8,
}

impl Readiness {
    /// Raises (`true`) or clears (`false`) one reason.
    pub fn set(&self, reason: NotReady, raised: bool) {
        if raised {
            self.flags.fetch_or(reason.bit(), Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!reason.bit(), Ordering::AcqRel);
        }
    }

    /// The raised reasons; empty when ready.
    pub fn reasons(&self) -> Vec<&'static str> {
        let flags = self.flags.load(Ordering::Acquire);
        NotReady::ALL
            .into_iter()
            .filter(|r| flags & r.bit() != 0)
            .map(NotReady::as_str)
            .collect()
    }

    /// Whether no reason is raised.
    pub fn is_ready(&self) -> bool {
        self.flags.load(Ordering::Acquire) == 0
    }
}

/// 200 while the process serves at all.
pub async fn livez() -> Json<Value> {
    Json(json!({ "status": "OK" }))
}

/// 200 when the gateway accepts work, else 503 naming why.
pub async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Value>) {
    let mut reasons = state.readiness.reasons();
    // The limiter is asked rather than told: it knows when Redis is back before anyone else.
    let unreachable = NotReady::LimiterBackend.as_str();
    if state.limiter.refusing() && !reasons.contains(&unreachable) {
        reasons.push(unreachable);
    }
    if super::transaction::refusing(&state) {
        reasons.push("store_unavailable");
    }
    if reasons.is_empty() {
        (StatusCode::OK, Json(json!({ "status": "READY" })))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "NOT_READY", "reasons": reasons })),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_raised_and_cleared_independently() {
        let r = Readiness::default();
        assert!(r.is_ready());
        r.set(NotReady::LimiterBackend, true);
        r.set(NotReady::Draining, true);
        assert_eq!(r.reasons(), ["draining", "limiter_backend_unreachable"]);
        r.set(NotReady::LimiterBackend, false);
        assert_eq!(r.reasons(), ["draining"]);
        assert!(!r.is_ready());
    }
}
