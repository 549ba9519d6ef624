//! Per-account concurrency: at most N requests in flight per account; one more is refused at once.
//! Not a tower layer: the account is known only after auth, and `ConcurrencyLimit` waits where we
//! must refuse. The permit is an RAII guard held in the handler's future, so it is released however
//! the request ends (success, error, timeout, or the client hanging up and hyper dropping the future).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The account has as many requests in flight as it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the account already has {limit} requests in flight")]
pub struct LimitExceeded {
    /// The account's limit.
    pub limit: u32,
}

/// One semaphore per account, sized at startup.
#[derive(Debug, Default)]
pub struct AccountLimiter {
    slots: HashMap<String, (Arc<Semaphore>, u32)>,
}

/// A held slot; dropping it frees the slot.
#[derive(Debug)]
pub struct Slot(#[allow(dead_code)] OwnedSemaphorePermit);

impl AccountLimiter {
    /// A limiter for `(account, limit)` pairs.
    pub fn new<'a>(accounts: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let slots = accounts
            .into_iter()
            .map(|(id, limit)| {
                let permits = usize::try_from(limit)
                    .unwrap_or(usize::MAX)
                    .min(Semaphore::MAX_PERMITS);
                (id.to_owned(), (Arc::new(Semaphore::new(permits)), limit))
            })
            .collect();
        Self { slots }
    }

    /// Takes a slot for `account` or refuses at once; never waits, never queues.
    pub fn try_enter(&self, account: &str) -> Result<Slot, LimitExceeded> {
        let (slots, limit) = self.slots.get(account).ok_or(LimitExceeded { limit: 0 })?;
        Arc::clone(slots)
            .try_acquire_owned()
            .map(Slot)
            .map_err(|_| LimitExceeded { limit: *limit })
    }

    /// Free slots of `account` (for tests and diagnostics).
    pub fn available(&self, account: &str) -> usize {
        self.slots
            .get(account)
            .map_or(0, |(s, _)| s.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_is_refused_and_a_dropped_slot_frees_one() {
        let limiter = AccountLimiter::new([("demo", 5), ("other", 1)]);
        let held: Vec<_> = (0..5).map(|_| limiter.try_enter("demo").unwrap()).collect();
        assert_eq!(
            limiter.try_enter("demo").unwrap_err(),
            LimitExceeded { limit: 5 }
        );
        assert!(
            limiter.try_enter("other").is_ok(),
            "accounts do not share slots"
        );
        drop(held);
        assert_eq!(limiter.available("demo"), 5);
        assert!(limiter.try_enter("nobody").is_err());
    }
}
