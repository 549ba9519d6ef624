//! CPU-bound request work (270 checks and repairs, JSON checks, 271 mapping) kept off the async
//! workers. Small bodies are checked where they are (microseconds); larger ones on tokio's
//! blocking threads, at most one per core at once, so however many hostile bodies arrive, the
//! workers that accept connections and answer everyone else stay free. Each request's work has a
//! deadline (`validation.cpu_budget_ms`) that the validator reads inside its loops.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use super::error::ApiError;

/// Inputs up to this size are checked on the async worker: every check is linear, and this much
/// takes well under a millisecond, less than handing it to another thread would cost.
pub const INLINE_BYTES: usize = 16 * 1024;

/// The blocking-thread permits and the per-request budget.
#[derive(Debug)]
pub struct CpuPool {
    permits: Arc<Semaphore>,
    size: usize,
    budget: Duration,
    /// Held for writing, it keeps started jobs from finishing (tests only: see [`CpuPool::hold`]).
    gate: Arc<RwLock<()>>,
}

impl CpuPool {
    /// `workers` jobs at once (0 = one per core), each with `budget`.
    pub fn new(workers: usize, budget: Duration) -> Self {
        let size = if workers == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        } else {
            workers
        };
        Self {
            permits: Arc::new(Semaphore::new(size)),
            size,
            budget,
            gate: Arc::default(),
        }
    }

    /// The per-request budget.
    pub fn budget(&self) -> Duration {
        self.budget
    }

    /// Jobs running on blocking threads now.
    pub fn running(&self) -> usize {
        self.size - self.permits.available_permits()
    }

    /// How many jobs may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `work` for an input of `len` bytes with the deadline `started + budget`: inline when
    /// small, else on a blocking thread once a permit is free. Waiting for the permit counts
    /// against the budget; past it the answer is [`ApiError::CpuBudget`]. When the caller goes
    /// away, the job still ends by its deadline and frees its permit then.
    pub async fn run<T, F>(&self, len: usize, started: Instant, work: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(Instant) -> T + Send + 'static,
    {
        let deadline = started + self.budget;
        if len <= INLINE_BYTES {
            return Ok(work(deadline));
        }
        let over = || ApiError::CpuBudget {
            budget: self.budget,
        };
        let permit =
            tokio::time::timeout_at(deadline.into(), Arc::clone(&self.permits).acquire_owned())
                .await
                .map_err(|_| over())?
                .map_err(|_| ApiError::Internal("the CPU pool is closed".into()))?;
        let gate = Arc::clone(&self.gate);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let out = work(deadline);
            drop(gate.read().unwrap_or_else(PoisonError::into_inner));
            out
        })
        .await
        .map_err(|e| ApiError::Internal(format!("a check failed: {e}")))
    }

    /// Keeps jobs that start on blocking threads from finishing (they do their work, then wait)
    /// until the guard is dropped: lets a test hold the pool busy without timing.
    #[doc(hidden)]
    pub fn hold(&self) -> Hold<'_> {
        Hold(self.gate.write().unwrap_or_else(PoisonError::into_inner))
    }
}

/// See [`CpuPool::hold`].
#[doc(hidden)]
#[derive(Debug)]
pub struct Hold<'a>(#[allow(dead_code)] std::sync::RwLockWriteGuard<'a, ()>);
