//! What the payer layer reports as it works, for metrics: token fetches, certificate expiry,
//! breaker states and retries. `http::metrics` implements it; the default does nothing.

/// A circuit breaker's state, as the gauge shows it (0 closed, 1 half-open, 2 open).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests go through.
    Closed,
    /// One probe request is going through.
    HalfOpen,
    /// Requests are refused at once.
    Open,
}

impl BreakerState {
    /// The gauge value.
    pub fn gauge(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }

    /// Lower-case name, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::HalfOpen => "half-open",
            Self::Open => "open",
        }
    }
}

/// Hears of payer-layer events. Every method has a do-nothing default.
pub trait Events: Send + Sync {
    /// One upstream OAuth token fetch through `connector`, successful or not.
    fn token_fetch(&self, _connector: &str, _ok: bool) {}
    /// `connector`'s client certificate now expires at `not_after` (Unix seconds); `None`: it
    /// has none.
    fn certificate(&self, _connector: &str, _not_after: Option<i64>) {}
    /// `connector`'s breaker moved to `state`.
    fn breaker(&self, _connector: &str, _state: BreakerState) {}
    /// One retry through `connector`, for `reason` (a short code).
    fn retry(&self, _connector: &str, _reason: &'static str) {}
}

/// Events nobody listens to.
#[derive(Debug, Default)]
pub struct Unobserved;

impl Events for Unobserved {}
