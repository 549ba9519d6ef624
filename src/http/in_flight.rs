//! Counts requests in flight so shutdown can wait for them, and say how many it cut off.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

/// Requests between arrival and response, across every connection.
#[derive(Debug, Default)]
pub struct InFlight {
    count: AtomicUsize,
    idle: Notify,
}

/// Held while one request is in flight; dropping it (answer, error, cut-off) counts it out.
#[derive(Debug)]
pub struct Entered(Arc<InFlight>);

impl InFlight {
    /// Counts one request in until the guard drops.
    pub fn enter(self: &Arc<Self>) -> Entered {
        self.count.fetch_add(1, Ordering::AcqRel);
        Entered(Arc::clone(self))
    }

    /// Requests in flight now.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Resolves when no request is in flight.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            // Registered before the check, so a guard dropped in between still wakes us.
            notified.as_mut().enable();
            if self.count() == 0 {
                return;
            }
            notified.await;
        }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_until_the_last_guard_drops() {
        let f = Arc::new(InFlight::default());
        f.wait_idle().await;
        let a = f.enter();
        let b = f.enter();
        assert_eq!(f.count(), 2);
        let waiter = tokio::spawn({
            let f = Arc::clone(&f);
            async move { f.wait_idle().await }
        });
        drop(a);
        assert!(!waiter.is_finished() || f.count() == 1);
        drop(b);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.count(), 0);
    }
}
