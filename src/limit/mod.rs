//! In-flight limits: at most N requests per account, and optionally per connector; one more is
//! refused at once, never queued. Not a tower layer: the account is known only after auth, and
//! `ConcurrencyLimit` waits where we must refuse. Counts live in this process (`memory`) or in
//! Redis, shared by every replica (`redis`). A held slot is an RAII guard in the handler's future,
//! so it is released however the request ends (success, error, timeout, or the client hanging up
//! and hyper dropping the future).

mod connection;
mod memory;
mod scripts;
mod shared;

use tokio::sync::OwnedSemaphorePermit;

use crate::config::{OnBackendError, SANDBOX, Settings};
pub use memory::Counters;
pub use scripts::{account_key, connector_key};
pub use shared::{BackendError, Shared, SharedSlot, release};

/// The account has as many requests in flight as it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the account already has {limit} requests in flight")]
pub struct LimitExceeded {
    /// The account's limit.
    pub limit: u32,
}

/// Why a request gets no slot.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The account is at its limit (429).
    #[error(transparent)]
    Account(#[from] LimitExceeded),
    /// The connector is at its `max_in_flight` (503: the caller is not at fault).
    #[error("connector {connector} already has {limit} requests in flight")]
    Connector {
        /// The connector's name.
        connector: String,
        /// Its cap.
        limit: u32,
    },
    /// Redis cannot answer and `on_backend_error = "refuse"`.
    #[error("the shared limiter is unavailable: {0}")]
    Unavailable(#[source] BackendError),
}

/// One held slot, in this process or in Redis.
#[derive(Debug)]
pub enum Slot {
    /// A permit of an in-process semaphore.
    Local(#[allow(dead_code)] OwnedSemaphorePermit),
    /// A lease in Redis.
    Shared(#[allow(dead_code)] SharedSlot),
}

/// The slots of one request: its account's, then its connector's when that is capped. Dropping it
/// frees both (Redis slots in the background); [`Slots::release`] frees them before returning.
#[derive(Debug)]
pub struct Slots {
    _account: Slot,
    _connector: Option<Slot>,
}

impl Slots {
    /// Frees both slots now: in-process ones at once, Redis ones in one round trip, so the next
    /// request of a client that waited for this answer finds its slot free.
    pub async fn release(self) {
        let Self {
            _account: account,
            _connector: connector,
        } = self;
        let shared = std::iter::once(account)
            .chain(connector)
            .filter_map(|slot| match slot {
                Slot::Shared(s) => Some(s),
                Slot::Local(_) => None,
            })
            .collect();
        release(shared).await;
    }
}

/// Every limit of the gateway.
#[derive(Debug)]
pub struct Limiter {
    /// In-process counts (the memory backend, and the fallback of the Redis one).
    accounts: Counters,
    connectors: Counters,
    shared: Option<Shared>,
    on_error: OnBackendError,
}

impl Limiter {
    /// In-process limits from `settings` (accounts, `sandbox.max_in_flight`, connectors'
    /// `max_in_flight`), counted in Redis too when `shared` is given.
    pub fn new(settings: &Settings, shared: Option<Shared>) -> Self {
        let account_limits = settings.accounts.iter().map(|(id, a)| {
            (
                id.as_str(),
                a.per_account.unwrap_or(settings.limits.per_account),
            )
        });
        let caps = settings
            .payers
            .connectors
            .iter()
            .filter_map(|(name, c)| Some((name.as_str(), c.max_in_flight?)))
            .chain(settings.sandbox.max_in_flight.map(|cap| (SANDBOX, cap)));
        Self {
            accounts: Counters::new(account_limits),
            connectors: Counters::new(caps),
            shared,
            on_error: settings.limits.on_backend_error,
        }
    }

    /// Takes a slot of `account`, then one of `connector` when it is capped (releasing the
    /// account's if the connector is full), or refuses at once; never queues. With Redis, a Redis
    /// fault falls back to the in-process counts or refuses, as configured.
    pub async fn try_enter(&self, account: &str, connector: &str) -> Result<Slots, Refused> {
        if let Some(shared) = self.shared.as_ref().filter(|s| s.is_up()) {
            match self.enter_shared(shared, account, connector).await {
                Ok(slots) => return slots,
                Err(e) if self.on_error == OnBackendError::Refuse => {
                    return Err(Refused::Unavailable(e));
                }
                Err(_) => {}
            }
        } else if self.refusing() {
            return Err(Refused::Unavailable(BackendError::Down));
        }
        self.enter_local(account, connector)
    }

    /// `Ok(answer)` when Redis answered both calls.
    async fn enter_shared(
        &self,
        shared: &Shared,
        account: &str,
        connector: &str,
    ) -> Result<Result<Slots, Refused>, BackendError> {
        let limit = self.accounts.limit(account).unwrap_or(0);
        let Some(account_slot) = shared.try_take(account_key(account), limit).await? else {
            return Ok(Err(LimitExceeded { limit }.into()));
        };
        let Some(cap) = self.connectors.limit(connector) else {
            return Ok(Ok(Slots {
                _account: Slot::Shared(account_slot),
                _connector: None,
            }));
        };
        // On refusal or error the account slot drops here, which releases it.
        match shared.try_take(connector_key(connector), cap).await? {
            Some(slot) => Ok(Ok(Slots {
                _account: Slot::Shared(account_slot),
                _connector: Some(Slot::Shared(slot)),
            })),
            None => Ok(Err(Refused::Connector {
                connector: connector.to_owned(),
                limit: cap,
            })),
        }
    }

    fn enter_local(&self, account: &str, connector: &str) -> Result<Slots, Refused> {
        // An account without a limit has no slots at all.
        let account_slot = self
            .accounts
            .try_take(account)
            .unwrap_or(Err(0))
            .map_err(|limit| LimitExceeded { limit })?;
        let connector_slot = self
            .connectors
            .try_take(connector)
            .transpose()
            .map_err(|limit| Refused::Connector {
                connector: connector.to_owned(),
                limit,
            })?;
        Ok(Slots {
            _account: Slot::Local(account_slot),
            _connector: connector_slot.map(Slot::Local),
        })
    }

    /// Free in-process slots of `account` (tests and diagnostics; with Redis, the fallback's).
    pub fn available(&self, account: &str) -> usize {
        self.accounts.available(account)
    }

    /// Free in-process slots of `connector` (0 when uncapped).
    pub fn available_to(&self, connector: &str) -> usize {
        self.connectors.available(connector)
    }

    /// Whether requests are being refused because Redis is not answering (`on_backend_error =
    /// "refuse"`); `/readyz` says not ready meanwhile.
    pub fn refusing(&self) -> bool {
        self.on_error == OnBackendError::Refuse && self.shared.as_ref().is_some_and(|s| !s.is_up())
    }

    /// The Redis side, when the backend is Redis.
    pub fn shared(&self) -> Option<&Shared> {
        self.shared.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::RedisTarget;

    #[tokio::test]
    async fn tls_and_cluster_urls_are_accepted_and_nothing_connects_at_start_up() {
        // Lazy: a Redis that is down at start-up must not stop the gateway.
        for url in [
            "rediss://127.0.0.1:1/0",
            "redis://127.0.0.1:1/0",
            "redis+cluster://127.0.0.1:1,127.0.0.1:2",
            "rediss+cluster://:pw@127.0.0.1:1,127.0.0.1:2/0",
        ] {
            let shared = Shared::start(
                RedisTarget::parse(url).unwrap(),
                Duration::from_secs(15),
                Duration::from_millis(50),
                Box::new(|| {}),
            );
            assert!(shared.is_ok(), "{url}: {:?}", shared.err());
        }
    }

    #[tokio::test]
    async fn memory_counts_the_account_then_the_connector() {
        let mut settings = Settings::defaults().unwrap();
        settings.sandbox.max_in_flight = Some(1);
        let limiter = Limiter::new(&settings, None);
        let held = limiter.try_enter("demo", SANDBOX).await.unwrap();
        let refused = limiter.try_enter("demo", SANDBOX).await.unwrap_err();
        assert!(
            matches!(refused, Refused::Connector { limit: 1, .. }),
            "{refused:?}"
        );
        assert_eq!(
            limiter.available("demo"),
            4,
            "the refused one gave its account slot back"
        );
        drop(held);
        assert_eq!(limiter.available_to(SANDBOX), 1);
        assert!(matches!(
            limiter.try_enter("nobody", SANDBOX).await,
            Err(Refused::Account(_))
        ));
    }
}
