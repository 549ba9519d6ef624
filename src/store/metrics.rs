//! The store's Prometheus metrics, registered by the gateway's registry. No labels carry PHI.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: &'static str,
}

/// Counters and gauges of one store (cheap clones share them).
#[derive(Clone, Debug)]
pub struct StoreMetrics {
    written: Counter,
    errors: Family<OperationLabels, Counter>,
    queue_depth: Gauge,
    duplicate_hits: Counter,
    write_seconds: Histogram,
    lookup_seconds: Histogram,
}

fn fast_seconds() -> Histogram {
    // 0.1 ms to ~3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 15))
}

impl Default for StoreMetrics {
    fn default() -> Self {
        Self {
            written: Counter::default(),
            errors: Family::default(),
            queue_depth: Gauge::default(),
            duplicate_hits: Counter::default(),
            write_seconds: fast_seconds(),
            lookup_seconds: fast_seconds(),
        }
    }
}

impl StoreMetrics {
    /// Adds every metric to `r`.
    pub fn register(&self, r: &mut Registry) {
        r.register(
            "gateway_store_records_written",
            "Transactions written to the store",
            self.written.clone(),
        );
        r.register(
            "gateway_store_errors",
            "Store failures by operation: write (a record lost), queue_full (a record dropped), \
             lookup (a duplicate lookup that did not answer)",
            self.errors.clone(),
        );
        r.register(
            "gateway_store_queue_depth",
            "Records waiting for the store writer",
            self.queue_depth.clone(),
        );
        r.register(
            "gateway_store_duplicate_hits",
            "Requests answered from a stored 271 instead of the payer",
            self.duplicate_hits.clone(),
        );
        r.register(
            "gateway_store_write_duration_seconds",
            "Time to seal and write one batch of transactions (one database commit)",
            self.write_seconds.clone(),
        );
        r.register(
            "gateway_store_duplicate_lookup_duration_seconds",
            "Time of the duplicate lookup on the request path",
            self.lookup_seconds.clone(),
        );
    }

    /// `rows` written in one batch that took `seconds`.
    pub(crate) fn written(&self, rows: usize, seconds: f64) {
        self.written.inc_by(u64::try_from(rows).unwrap_or(u64::MAX));
        self.write_seconds.observe(seconds);
    }

    pub(crate) fn error(&self, operation: &'static str) {
        self.errors(operation, 1);
    }

    pub(crate) fn errors(&self, operation: &'static str, n: usize) {
        self.errors
            .get_or_create(&OperationLabels { operation })
            .inc_by(u64::try_from(n).unwrap_or(u64::MAX));
    }

    pub(crate) fn queue(&self, delta: i64) {
        self.queue_depth.inc_by(delta);
    }

    /// A request answered from the store.
    pub fn duplicate_hit(&self) {
        self.duplicate_hits.inc();
    }

    /// One duplicate lookup's duration.
    pub fn lookup(&self, seconds: f64) {
        self.lookup_seconds.observe(seconds);
    }

    /// A duplicate lookup that failed or timed out.
    pub fn lookup_failed(&self) {
        self.error("lookup");
    }
}
