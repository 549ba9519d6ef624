//! A circuit breaker per connector (per process): after `failures` consecutive timeouts,
//! connection errors or 5xx it opens, and requests are refused at once for `open_ms`; then one
//! probe goes through (half-open) and its outcome closes or reopens it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::ConnectorError;
use super::events::{BreakerState, Events};
use crate::config::BreakerSettings;

/// While a probe is out, others are told to come back after this.
const PROBE_RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    /// Consecutive failures while closed.
    failures: u32,
    /// When an open breaker lets a probe through.
    open_until: Instant,
}

/// One connector's breaker.
pub struct Breaker {
    name: String,
    failures: u32,
    open_for: Duration,
    inner: Mutex<Inner>,
    events: Arc<dyn Events>,
}

impl std::fmt::Debug for Breaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Whether an outcome counts against the upstream: it did not answer usefully at all.
pub fn is_failure(r: &Result<String, ConnectorError>) -> bool {
    match r {
        Ok(_) => false,
        Err(e) => match e {
            ConnectorError::Timeout { .. }
            | ConnectorError::Unreachable { .. }
            | ConnectorError::Dropped { .. }
            | ConnectorError::Tls { .. } => true,
            ConnectorError::Status { status, .. } => *status >= 500,
            _ => false,
        },
    }
}

/// Leave to call the upstream; a probe's outcome decides the breaker. Dropped unrecorded (the
/// client hung up), a probe counts as a failure, so the breaker never stays half-open.
#[derive(Debug)]
pub struct Pass<'a> {
    breaker: &'a Breaker,
    probe: bool,
    recorded: bool,
}

impl Pass<'_> {
    /// Records the call's outcome.
    pub fn record(mut self, failed: bool) {
        self.recorded = true;
        self.breaker.outcome(self.probe, failed);
    }
}

impl Drop for Pass<'_> {
    fn drop(&mut self) {
        if !self.recorded && self.probe {
            self.breaker.outcome(true, true);
        }
    }
}

impl Breaker {
    /// The breaker of connector `name`.
    pub fn new(name: &str, settings: BreakerSettings, events: Arc<dyn Events>) -> Self {
        events.breaker(name, BreakerState::Closed);
        Self {
            name: name.to_owned(),
            failures: settings.failures.max(1),
            open_for: Duration::from_millis(settings.open_ms),
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                open_until: Instant::now(),
            }),
            events,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Leave to call, or how long until the caller may try again.
    pub fn admit(&self) -> Result<Pass<'_>, Duration> {
        let mut inner = self.lock();
        let now = Instant::now();
        let probe = match inner.state {
            BreakerState::Closed => false,
            BreakerState::HalfOpen => return Err(PROBE_RETRY_AFTER),
            BreakerState::Open if now < inner.open_until => {
                return Err(inner.open_until - now);
            }
            BreakerState::Open => {
                self.moved(&mut inner, BreakerState::HalfOpen);
                true
            }
        };
        Ok(Pass {
            breaker: self,
            probe,
            recorded: false,
        })
    }

    fn outcome(&self, probe: bool, failed: bool) {
        let mut inner = self.lock();
        if !failed {
            inner.failures = 0;
            if inner.state != BreakerState::Closed {
                self.moved(&mut inner, BreakerState::Closed);
            }
            return;
        }
        if probe {
            inner.open_until = Instant::now() + self.open_for;
            self.moved(&mut inner, BreakerState::Open);
            return;
        }
        if inner.state == BreakerState::Closed {
            inner.failures = inner.failures.saturating_add(1);
            if inner.failures >= self.failures {
                inner.open_until = Instant::now() + self.open_for;
                self.moved(&mut inner, BreakerState::Open);
            }
        }
    }

    /// One log line and one gauge update per change of state.
    fn moved(&self, inner: &mut Inner, to: BreakerState) {
        let from = inner.state;
        inner.state = to;
        if to == BreakerState::Closed {
            inner.failures = 0;
        }
        if to == BreakerState::Open {
            tracing::warn!(
                connector = %self.name,
                from = from.as_str(),
                open_ms = u64::try_from(self.open_for.as_millis()).unwrap_or(u64::MAX),
                "circuit breaker opened: requests to this connector are refused until a probe succeeds"
            );
        } else {
            tracing::info!(
                connector = %self.name,
                from = from.as_str(),
                to = to.as_str(),
                "circuit breaker changed state"
            );
        }
        self.events.breaker(&self.name, to);
    }

    /// Consecutive failures that open it.
    pub fn threshold(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payer::Unobserved;

    fn breaker(open_ms: u64) -> Breaker {
        Breaker::new(
            "b",
            BreakerSettings {
                failures: 2,
                open_ms,
            },
            Arc::new(Unobserved),
        )
    }

    #[test]
    fn opens_after_n_consecutive_failures_and_a_success_resets_the_count() {
        let b = breaker(60_000);
        b.admit().unwrap().record(true);
        b.admit().unwrap().record(false);
        b.admit().unwrap().record(true);
        assert!(b.admit().is_ok(), "failures were not consecutive");
        b.admit().unwrap().record(true);
        let wait = b.admit().unwrap_err();
        assert!(wait > Duration::from_secs(50), "{wait:?}");
    }

    #[test]
    fn half_open_lets_one_probe_through_and_its_outcome_decides() {
        let b = breaker(0);
        b.admit().unwrap().record(true);
        b.admit().unwrap().record(true);
        let probe = b.admit().expect("open_ms passed: a probe");
        assert_eq!(
            b.admit().unwrap_err(),
            PROBE_RETRY_AFTER,
            "one probe at a time"
        );
        probe.record(true);
        let probe = b.admit().expect("reopened for 0 ms: another probe");
        drop(probe);
        let probe = b
            .admit()
            .expect("a dropped probe counts as failed, not stuck");
        probe.record(false);
        assert!(b.admit().is_ok() && b.admit().is_ok(), "closed");
    }
}
