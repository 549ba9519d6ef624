//! Recording off the request path: a bounded queue drained by one writer task, so a slow or absent
//! store never delays an answer. The writer takes everything waiting (up to [`BATCH`]) and writes
//! it in one database transaction. A full queue drops the record and counts it. The writer also
//! keeps [`Health`] (logged once each way) and a purge task deletes what is past retention.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::rows::{self, Packed, Sealed};
use super::{NewTransaction, Store, StoreError, StoreMetrics, now_ms};

/// How often a store that failed is tried again while nothing is written.
const PROBE_EVERY: Duration = Duration::from_secs(1);
/// Records written per database transaction at most: whatever waits, up to this, goes in one
/// commit, so the writer keeps up with load (one commit per record topped out at a few thousand
/// a second).
pub(super) const BATCH: usize = 1024;
/// How long the writer lets a batch fill after its first record. Each batch pays a thread hand-off,
/// a commit and a rewrite of the index pages it touched: under load, batches of a few records
/// cost a quarter of the gateway's CPU more than batches of hundreds (profiled). With group rows
/// a batch's own costs (hand-offs, the `COPY`'s round trips, the commit) are most of what the
/// database does: 25 ms rather than 10 took PostgreSQL's server from ~2.4 to ~1.7 µs a record
/// and SQLite's writer from 1.3 to 0.9. A lone record waits this long; a read right after its
/// answer waits for it (see [`Recorder::settle`]).
const LINGER: Duration = Duration::from_millis(25);

/// Moves what is queued now into `batch`, up to [`BATCH`]; how many.
fn drain(rx: &mut mpsc::Receiver<Packed>, batch: &mut Vec<Packed>) -> usize {
    let before = batch.len();
    while batch.len() < BATCH {
        let Ok(t) = rx.try_recv() else { break };
        batch.push(t);
    }
    batch.len() - before
}

/// Records this process writes before it makes sure PostgreSQL has statistics of the table
/// (see [`Store::first_statistics`]): enough for them to show what the indexes select; after
/// that, autovacuum analyses again as the table grows by a tenth.
pub const STATISTICS_AFTER: u64 = 256;

/// How often the purge runs (and once at start).
const PURGE_EVERY: Duration = Duration::from_secs(3600);

type OnChange = Box<dyn Fn(bool) + Send + Sync>;

/// Whether the store answers, as the last write, probe or lookup found.
pub struct Health {
    down: AtomicBool,
    on_change: OnChange,
}

impl std::fmt::Debug for Health {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Health")
            .field("down", &self.is_down())
            .finish_non_exhaustive()
    }
}

impl Health {
    /// Healthy; `on_change(true)` runs when the store goes down, `(false)` when it is back.
    pub fn new(on_change: OnChange) -> Self {
        Self {
            down: AtomicBool::new(false),
            on_change,
        }
    }

    /// Whether the last attempt failed.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// Notes a failure; the first of an outage is logged.
    pub fn failed(&self, operation: &str, error: &StoreError) {
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::error!(operation, error = %error, "transaction store unavailable");
            (self.on_change)(true);
        }
    }

    /// Notes a success; the first after an outage is logged.
    pub fn succeeded(&self) {
        if self.down.swap(false, Ordering::AcqRel) {
            tracing::info!("transaction store available again");
            (self.on_change)(false);
        }
    }
}

/// The store with its queue, writer and health.
#[derive(Debug)]
pub struct Recorder {
    queue: mpsc::Sender<Packed>,
    /// Records queued so far; with `taken`, what a read waits for (read-your-writes).
    queued: std::sync::atomic::AtomicU64,
    /// Records the writer has finished with (written or counted lost), in queue order.
    taken: tokio::sync::watch::Receiver<u64>,
    store: Arc<Store>,
    health: Arc<Health>,
    metrics: StoreMetrics,
}

impl Recorder {
    /// Starts the writer (queue of `capacity`) and the purge of what is older than
    /// `retention_days`. Must run inside the runtime.
    pub fn start(
        store: Store,
        capacity: usize,
        retention_days: u32,
        metrics: StoreMetrics,
        on_change: OnChange,
    ) -> Self {
        let store = Arc::new(store);
        let health = Arc::new(Health::new(on_change));
        let (queue, rx) = mpsc::channel(capacity);
        let (done, taken) = tokio::sync::watch::channel(0);
        tokio::spawn(write(
            rx,
            done,
            Arc::clone(&store),
            Arc::clone(&health),
            metrics.clone(),
        ));
        tokio::spawn(purge(Arc::downgrade(&store), retention_days));
        Self {
            queue,
            queued: std::sync::atomic::AtomicU64::new(0),
            taken,
            store,
            health,
            metrics,
        }
    }

    /// Packs `t` (hashes and frames it, on this thread) and queues it for the writer; never
    /// waits. A full queue drops it (counted).
    pub fn record(&self, t: NewTransaction) {
        match self.queue.try_send(self.store.pack(t)) {
            Ok(()) => {
                self.queued.fetch_add(1, Ordering::AcqRel);
                self.metrics.queue(1);
            }
            Err(_) => self.metrics.error("queue_full"),
        }
    }

    /// Waits, at most `store.timeout_ms`, until the writer is done with every record queued
    /// before this call, so a client that reads a transaction right after it was answered on
    /// this replica finds it.
    pub async fn settle(&self) {
        let limit = self.store.timeout();
        let target = self.queued.load(Ordering::Acquire);
        let mut taken = self.taken.clone();
        // A writer that is slow or gone only delays the read by `limit`; the read goes on.
        let _ = tokio::time::timeout(limit, taken.wait_for(|n| *n >= target)).await;
    }

    /// The store, for reads and the duplicate lookup.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Whether it answers.
    pub fn health(&self) -> &Health {
        &self.health
    }

    /// Its metrics.
    pub fn metrics(&self) -> &StoreMetrics {
        &self.metrics
    }
}

async fn write(
    mut rx: mpsc::Receiver<Packed>,
    done: tokio::sync::watch::Sender<u64>,
    store: Arc<Store>,
    health: Arc<Health>,
    metrics: StoreMetrics,
) {
    let mut batch = Vec::with_capacity(BATCH);
    // Records written so far, until the table's statistics were seen to.
    let mut written: Option<u64> = Some(0);
    loop {
        let taken = if health.is_down() {
            tokio::select! {
                n = rx.recv_many(&mut batch, BATCH) => n,
                () = tokio::time::sleep(PROBE_EVERY) => {
                    match store.ping().await {
                        Ok(()) => health.succeeded(),
                        Err(e) => health.failed("probe", &e),
                    }
                    continue;
                }
            }
        } else {
            let n = rx.recv_many(&mut batch, BATCH).await;
            if n > 0 && n < BATCH {
                tokio::time::sleep(LINGER).await;
                n + drain(&mut rx, &mut batch)
            } else {
                n
            }
        };
        // Zero only once every sender is gone and the queue is empty.
        if taken == 0 {
            break;
        }
        metrics.queue(-i64::try_from(taken).unwrap_or(i64::MAX));
        let records = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
        write_batch(records, &store, &health, &metrics).await;
        if let Some(n) = written.as_mut().filter(|_| !health.is_down()) {
            *n += u64::try_from(taken).unwrap_or(u64::MAX);
            if *n >= STATISTICS_AFTER {
                written = None;
                tokio::spawn(first_statistics(Arc::clone(&store)));
            }
        }
        // Lost or written, these records are done with: reads waiting on them may go on.
        done.send_modify(|n| *n += u64::try_from(taken).unwrap_or(u64::MAX));
    }
}

/// Seals and writes one batch in one database transaction; what is lost is counted.
async fn write_batch(
    records: Vec<Packed>,
    store: &Arc<Store>,
    health: &Health,
    metrics: &StoreMetrics,
) {
    let taken = records.len();
    let started = Instant::now();
    // Compressing and sealing a batch is CPU work: off the async workers.
    let sealer = Arc::clone(store);
    let prepared = tokio::task::spawn_blocking(move || sealer.seal_batch(records)).await;
    let Ok(Sealed {
        rows,
        groups,
        failed,
    }) = prepared
    else {
        // The sealing panicked: the batch is lost, counted.
        metrics.errors("write", taken);
        return;
    };
    for (n, e) in failed {
        metrics.errors("write", n);
        health.failed("write", &e);
    }
    let n = rows::records(&rows, &groups);
    if n == 0 {
        return;
    }
    match store.write(rows, groups).await {
        Ok(()) => {
            metrics.written(n, started.elapsed().as_secs_f64());
            health.succeeded();
        }
        Err(e) => {
            metrics.errors("write", n);
            health.failed("write", &e);
        }
    }
}

/// Once per process: statistics for a table that has none, off the writer's path.
async fn first_statistics(store: Arc<Store>) {
    match store.first_statistics().await {
        Ok(true) => tracing::info!("transaction table analysed: it had no statistics"),
        Ok(false) => {}
        Err(e) => tracing::warn!(error = %e, "analysing the transaction table failed"),
    }
}

async fn purge(store: Weak<Store>, retention_days: u32) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let keep_ms = i64::from(retention_days) * 86_400_000;
    loop {
        tick.tick().await;
        let Some(store) = store.upgrade() else { break };
        match store.purge(now_ms() - keep_ms).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged_rows = n, retention_days, "old transactions purged"),
            Err(e) => tracing::warn!(error = %e, "purging old transactions failed"),
        }
    }
}
