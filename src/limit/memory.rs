//! In-process counts: one semaphore per account or capped connector, sized at start-up. Used by
//! the memory backend, and by the Redis backend while Redis cannot answer (`on_backend_error =
//! "local"`).

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Semaphores by name (account ID or connector name).
#[derive(Debug, Default)]
pub struct Counters {
    slots: HashMap<String, (Arc<Semaphore>, u32)>,
}

impl Counters {
    /// Counters for `(name, limit)` pairs.
    pub fn new<'a>(limits: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let slots = limits
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

    /// The limit of `name`, if it has one.
    pub fn limit(&self, name: &str) -> Option<u32> {
        self.slots.get(name).map(|(_, limit)| *limit)
    }

    /// A permit of `name`, or `Err(limit)` at once when all are taken; never waits. `None` for a
    /// name without a limit.
    pub fn try_take(&self, name: &str) -> Option<Result<OwnedSemaphorePermit, u32>> {
        let (slots, limit) = self.slots.get(name)?;
        Some(Arc::clone(slots).try_acquire_owned().map_err(|_| *limit))
    }

    /// Free permits of `name` (0 for a name without a limit).
    pub fn available(&self, name: &str) -> usize {
        self.slots
            .get(name)
            .map_or(0, |(s, _)| s.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_is_refused_and_a_dropped_permit_frees_one() {
        let counters = Counters::new([("demo", 5), ("other", 1)]);
        let held: Vec<_> = (0..5)
            .map(|_| counters.try_take("demo").unwrap().unwrap())
            .collect();
        assert!(matches!(counters.try_take("demo"), Some(Err(5))));
        assert!(
            matches!(counters.try_take("other"), Some(Ok(_))),
            "names do not share permits"
        );
        drop(held);
        assert_eq!(counters.available("demo"), 5);
        assert!(counters.try_take("nobody").is_none());
        assert_eq!(counters.limit("demo"), Some(5));
    }
}
