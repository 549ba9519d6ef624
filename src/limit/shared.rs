//! Slots held in Redis, shared by every replica. A slot is a lease in a sorted set; this replica
//! renews the leases of its running requests in one batch per interval. A request that ends
//! releases its slots before its answer goes out ([`release`], one round trip), so a client that
//! sends its next request on receipt finds its slot free; a slot whose guard just drops (the
//! client hung up) goes through a bounded channel to the upkeep task, so `Drop` never blocks. A
//! replica that dies stops renewing, and its leases end within `lease_ms`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::mpsc;

use super::connection::Connection;
use super::scripts;
use crate::config::RedisTarget;

/// Releases waiting for the upkeep task; past this, a dropped slot is left to its lease.
const RELEASE_QUEUE: usize = 4096;
/// Releases sent to Redis in one batch (one pipeline; on a cluster, one command per key).
const RELEASE_BATCH: usize = 256;
/// Upkeep runs at least this often (renewals, and probes while Redis is down).
const MAX_TICK: Duration = Duration::from_secs(1);

/// Why Redis gave no answer: a timeout or the client's error. Never holds data.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// No answer within `backend_timeout_ms`.
    #[error("redis did not answer within {0} ms")]
    Timeout(u128),
    /// The client failed (refused, reset, an error reply).
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// A recent call failed; until a probe succeeds, requests do not wait on Redis.
    #[error("redis did not answer recently")]
    Down,
}

/// One slot to free: the set and the slot ID.
type Release = (Arc<str>, String);

/// The Redis side of the limiter.
#[derive(Debug)]
pub struct Shared {
    inner: Arc<Inner>,
}

struct Inner {
    conn: Connection,
    acquire: redis::Script,
    lease_ms: u64,
    timeout: Duration,
    /// False from a failed call until a probe succeeds; read on every request.
    up: AtomicBool,
    /// This replica's held slots: slot number → set key. Renewed each tick.
    held: Mutex<HashMap<u64, Arc<str>>>,
    next: AtomicU64,
    /// Names this replica's slot IDs: `<replica>:<n>`.
    replica: String,
    releases: mpsc::Sender<Release>,
    /// Called on every failed call.
    on_error: Box<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("replica", &self.replica)
            .field("lease_ms", &self.lease_ms)
            .field("up", &self.up)
            .finish_non_exhaustive()
    }
}

/// A slot held in Redis; dropping it releases the slot (in the background).
#[derive(Debug)]
pub struct SharedSlot {
    inner: Arc<Inner>,
    key: Arc<str>,
    n: u64,
    /// False once [`release`] took it over.
    armed: bool,
}

impl SharedSlot {
    /// Stops renewing it and hands its release to the caller.
    fn disarm(&mut self) -> Release {
        self.armed = false;
        self.inner.forget(self.n);
        (Arc::clone(&self.key), self.inner.slot_id(self.n))
    }
}

/// Releases `slots` now, in one round trip (bounded by `backend_timeout_ms`). If Redis does not
/// answer, the releases go to the upkeep task and, failing that, to their leases.
pub async fn release(mut slots: Vec<SharedSlot>) {
    let Some(inner) = slots.first().map(|s| Arc::clone(&s.inner)) else {
        return;
    };
    let batch: Vec<Release> = slots.iter_mut().map(SharedSlot::disarm).collect();
    drop(slots);
    if inner.up.load(Ordering::Acquire) {
        match inner.release(&batch).await {
            Ok(()) => return,
            Err(e) => inner.went_down(&e),
        }
    }
    for r in batch {
        let _ = inner.releases.try_send(r);
    }
}

impl Drop for SharedSlot {
    fn drop(&mut self) {
        if self.armed {
            let release = self.disarm();
            // A full queue or a stopped task leaves the slot to its lease, the backstop.
            let _ = self.inner.releases.try_send(release);
        }
    }
}

impl Shared {
    /// Connects lazily to `target`, a Redis server or a Redis Cluster (no round trip here: Redis
    /// may be down at start-up), and starts the upkeep task on the current tokio runtime (an
    /// error outside one). `on_error` is called on every failed Redis call (the HTTP edge counts
    /// them in its metrics; `limit` knows nothing of metrics).
    pub fn start(
        target: RedisTarget,
        lease: Duration,
        timeout: Duration,
        on_error: Box<dyn Fn() + Send + Sync>,
    ) -> Result<Self, redis::RedisError> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            redis::RedisError::from((redis::ErrorKind::Client, "needs a tokio runtime"))
        })?;
        let conn = Connection::open(target, timeout)?;
        let (tx, rx) = mpsc::channel(RELEASE_QUEUE);
        let inner = Arc::new(Inner {
            conn,
            acquire: redis::Script::new(scripts::ACQUIRE),
            lease_ms: u64::try_from(lease.as_millis()).unwrap_or(u64::MAX),
            timeout,
            up: AtomicBool::new(true),
            held: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            replica: uuid::Uuid::new_v4().simple().to_string(),
            releases: tx,
            on_error,
        });
        let tick = (lease / 3).min(MAX_TICK);
        runtime.spawn(upkeep(Arc::downgrade(&inner), rx, tick));
        Ok(Self { inner })
    }

    /// Whether Redis answered the last call (false: requests use the fallback until a probe
    /// succeeds).
    pub fn is_up(&self) -> bool {
        self.inner.up.load(Ordering::Acquire)
    }

    /// Takes a slot in `key` if fewer than `limit` are held; `Ok(None)` when full. An error
    /// marks Redis down (logged once).
    pub async fn try_take(
        &self,
        key: String,
        limit: u32,
    ) -> Result<Option<SharedSlot>, BackendError> {
        let inner = &self.inner;
        let n = inner.next.fetch_add(1, Ordering::Relaxed);
        let id = inner.slot_id(n);
        // The guard exists before the call: if the request is dropped mid-call (the client hung
        // up), its drop releases whatever the script did. Registered now, so a renewal that runs
        // meanwhile covers it too.
        let mut slot = SharedSlot {
            inner: Arc::clone(inner),
            key: key.into(),
            n,
            armed: true,
        };
        inner.held_map().insert(n, Arc::clone(&slot.key));
        let mut conn = inner.conn.clone();
        let mut call = inner.acquire.key(&*slot.key);
        call.arg(limit).arg(inner.lease_ms).arg(&id);
        let answer = inner.call(call.invoke_async::<i64>(&mut conn)).await;
        match answer {
            Ok(1) => Ok(Some(slot)),
            Ok(_) => {
                // Not taken: nothing to release.
                slot.disarm();
                Ok(None)
            }
            Err(e) => {
                // `slot` drops here: the script may have run before the answer was lost.
                inner.went_down(&e);
                Err(e)
            }
        }
    }

    /// This replica's name in slot IDs and log lines.
    pub fn replica(&self) -> &str {
        &self.inner.replica
    }

    /// This replica's slots in Redis (tests and diagnostics).
    pub fn held_here(&self) -> usize {
        self.inner.held_map().len()
    }
}

impl Inner {
    fn slot_id(&self, n: u64) -> String {
        format!("{}:{n}", self.replica)
    }

    fn held_map(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<str>>> {
        // The map holds plain data; a panic elsewhere cannot leave it half-written.
        self.held.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self, n: u64) {
        self.held_map().remove(&n);
    }

    async fn call<T>(
        &self,
        fut: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, BackendError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(BackendError::from),
            Err(_) => Err(BackendError::Timeout(self.timeout.as_millis())),
        }
    }

    /// Counts every failure; one log line per transition, never per request.
    fn went_down(&self, e: &BackendError) {
        (self.on_error)();
        if self.up.swap(false, Ordering::AcqRel) {
            tracing::warn!(replica = %self.replica, error = %e, "limiter: redis is not answering; using the fallback until it does");
        }
    }

    fn came_back(&self) {
        if !self.up.swap(true, Ordering::AcqRel) {
            tracing::info!(replica = %self.replica, "limiter: redis answers again; the limits are shared again");
        }
    }

    /// Extends every lease this replica holds: one script call per set, all in one pipeline on a
    /// single server, each to its own node on a cluster.
    async fn renew(&self) -> Result<(), BackendError> {
        let mut by_key: HashMap<Arc<str>, Vec<String>> = HashMap::new();
        for (n, key) in self.held_map().iter() {
            by_key
                .entry(Arc::clone(key))
                .or_default()
                .push(self.slot_id(*n));
        }
        if by_key.is_empty() {
            // Nothing to renew: a PING still tells whether Redis is there.
            return self.ping().await;
        }
        let calls = by_key
            .iter()
            .map(|(key, ids)| {
                let mut cmd = redis::cmd("EVAL");
                cmd.arg(scripts::RENEW)
                    .arg(1)
                    .arg(&**key)
                    .arg(self.lease_ms)
                    .arg(ids);
                cmd
            })
            .collect();
        self.call(self.conn.run_each(calls)).await
    }

    async fn ping(&self) -> Result<(), BackendError> {
        let mut conn = self.conn.clone();
        self.call(redis::cmd("PING").query_async::<()>(&mut conn))
            .await
    }

    /// Frees `batch`: one `ZREM` per set, never one command across sets (a cluster keeps each
    /// set on its own node).
    async fn release(&self, batch: &[Release]) -> Result<(), BackendError> {
        let mut by_key: HashMap<&str, Vec<&str>> = HashMap::new();
        for (key, id) in batch {
            by_key.entry(&**key).or_default().push(id);
        }
        let calls = by_key
            .into_iter()
            .map(|(key, ids)| {
                let mut cmd = redis::cmd("ZREM");
                cmd.arg(key).arg(ids);
                cmd
            })
            .collect();
        self.call(self.conn.run_each(calls)).await
    }
}

/// Releases slots as their guards drop, renews leases each tick, and probes a Redis marked down.
/// Ends when the limiter is dropped.
async fn upkeep(inner: Weak<Inner>, mut releases: mpsc::Receiver<Release>, tick: Duration) {
    let mut ticker = tokio::time::interval(tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(RELEASE_BATCH);
    loop {
        tokio::select! {
            got = releases.recv_many(&mut batch, RELEASE_BATCH) => {
                let Some(inner) = inner.upgrade() else { return };
                if got == 0 {
                    return;
                }
                // A failed release is left to its lease; the next tick's probe notices Redis.
                if let Err(e) = inner.release(&batch).await {
                    inner.went_down(&e);
                }
                batch.clear();
            }
            _ = ticker.tick() => {
                let Some(inner) = inner.upgrade() else { return };
                match inner.renew().await {
                    Ok(()) => inner.came_back(),
                    Err(e) => inner.went_down(&e),
                }
            }
        }
    }
}
