//! Prometheus metrics (`prometheus-client`: one registry per gateway, no global recorder), served
//! as text at `GET /metrics`, on the main listener or on `metrics.listen`. Labels are bounded and
//! carry no PHI: route templates, methods, status codes, configured account and connector names,
//! rule and repair codes.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::eligibility::issue::Issue;
use crate::eligibility::model::Warning;
use crate::payer::ConnectorError;

/// The scrape path.
pub const PATH: &str = "/metrics";

/// Names of the metrics, as scraped (counters get `_total`).
pub mod names {
    /// Requests by route, method, status and account.
    pub const REQUESTS: &str = "gateway_http_requests";
    /// Request duration by route.
    pub const REQUEST_SECONDS: &str = "gateway_http_request_duration_seconds";
    /// Payer call duration by connector and outcome.
    pub const PAYER_SECONDS: &str = "gateway_payer_call_duration_seconds";
    /// Per-account slots in use.
    pub const SLOTS_IN_USE: &str = "gateway_account_slots_in_use";
    /// Per-account 429s from the in-flight limit.
    pub const LIMIT_REJECTIONS: &str = "gateway_account_limit_rejections";
    /// Errors of the limiter's shared backend.
    pub const LIMITER_BACKEND_ERRORS: &str = "gateway_limiter_backend_errors";
    /// 270 validation problems by rule.
    pub const VALIDATION_PROBLEMS: &str = "gateway_validation_problems";
    /// 270 repairs by kind.
    pub const REPAIRS: &str = "gateway_repairs";
    /// Upstream OAuth token fetches by connector and outcome.
    pub const TOKEN_FETCHES: &str = "gateway_upstream_token_fetches";
    /// Requests refused by failed-authentication throttling.
    pub const AUTH_THROTTLED: &str = "gateway_auth_throttled_requests";
    /// Seconds until each connector's client certificate expires.
    pub const CERTIFICATE_EXPIRY: &str = "gateway_connector_certificate_expiry_seconds";
    /// Each connector's breaker: 0 closed, 1 half-open, 2 open.
    pub const BREAKER_STATE: &str = "gateway_connector_breaker_state";
    /// Payer call retries by connector and reason.
    pub const RETRIES: &str = "gateway_payer_retries";
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: String,
    account: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorLabels {
    connector: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ConnectorOnly {
    connector: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RetryLabels {
    connector: String,
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AccountLabels {
    account: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabels {
    rule: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn seconds() -> Histogram {
    // 5 ms to ~82 s: sandbox answers to the payer deadline.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

/// Every metric of one gateway.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Histograms<RouteLabels>,
    payer_seconds: Histograms<ConnectorLabels>,
    slots_in_use: Family<AccountLabels, Gauge>,
    limit_rejections: Family<AccountLabels, Counter>,
    limiter_backend_errors: Counter,
    validation_problems: Family<RuleLabels, Counter>,
    repairs: Family<KindLabels, Counter>,
    token_fetches: Family<ConnectorLabels, Counter>,
    auth_throttled: Counter,
    certificate_expiry: Family<ConnectorOnly, Gauge>,
    /// Client certificates' `notAfter` (Unix seconds) by connector; the gauge is computed from
    /// it at each scrape, so it counts down without a timer.
    not_after: std::sync::Mutex<std::collections::BTreeMap<String, i64>>,
    breaker_state: Family<ConnectorOnly, Gauge>,
    retries: Family<RetryLabels, Counter>,
    /// The transaction store's metrics (registered here).
    pub store: crate::store::StoreMetrics,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut m = Self {
            registry: Registry::default(),
            requests: Family::default(),
            request_seconds: Family::new_with_constructor(seconds),
            payer_seconds: Family::new_with_constructor(seconds),
            slots_in_use: Family::default(),
            limit_rejections: Family::default(),
            limiter_backend_errors: Counter::default(),
            validation_problems: Family::default(),
            repairs: Family::default(),
            token_fetches: Family::default(),
            auth_throttled: Counter::default(),
            certificate_expiry: Family::default(),
            not_after: std::sync::Mutex::default(),
            breaker_state: Family::default(),
            retries: Family::default(),
            store: crate::store::StoreMetrics::default(),
        };
        let r = &mut m.registry;
        r.register(
            names::REQUESTS,
            "HTTP requests answered, by route template, method, status and account",
            m.requests.clone(),
        );
        r.register(
            names::REQUEST_SECONDS,
            "Time from request to response, by route template",
            m.request_seconds.clone(),
        );
        r.register(
            names::PAYER_SECONDS,
            "Duration of payer calls, by connector and outcome (ok or the error kind)",
            m.payer_seconds.clone(),
        );
        r.register(
            names::SLOTS_IN_USE,
            "Per-account in-flight slots in use",
            m.slots_in_use.clone(),
        );
        r.register(
            names::LIMIT_REJECTIONS,
            "Requests refused 429 by the per-account in-flight limit",
            m.limit_rejections.clone(),
        );
        r.register(
            names::LIMITER_BACKEND_ERRORS,
            "Errors reaching the limiter's shared backend",
            m.limiter_backend_errors.clone(),
        );
        r.register(
            names::VALIDATION_PROBLEMS,
            "Problems found in incoming 270s, by rule",
            m.validation_problems.clone(),
        );
        r.register(
            names::REPAIRS,
            "Repairs applied to incoming 270s, by kind",
            m.repairs.clone(),
        );
        r.register(
            names::TOKEN_FETCHES,
            "OAuth token fetches from upstreams, by connector and outcome",
            m.token_fetches.clone(),
        );
        r.register(
            names::AUTH_THROTTLED,
            "Requests refused 429 by failed-authentication throttling",
            m.auth_throttled.clone(),
        );
        r.register(
            names::CERTIFICATE_EXPIRY,
            "Seconds until each connector's TLS client certificate expires (negative: expired)",
            m.certificate_expiry.clone(),
        );
        r.register(
            names::BREAKER_STATE,
            "Each connector's circuit breaker: 0 closed, 1 half-open, 2 open",
            m.breaker_state.clone(),
        );
        r.register(
            names::RETRIES,
            "Payer call retries, by connector and reason",
            m.retries.clone(),
        );
        m.store.register(r);
        m
    }
}

/// Keeps a label to the shape of a code (`[A-Za-z0-9_:.-]`, 64 bytes at most), else `other`, so
/// nothing unexpected can become a label value.
fn code_label(code: &str) -> String {
    let plain = code.len() <= 64
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'.' | b'-'));
    if plain {
        code.to_owned()
    } else {
        "other".to_owned()
    }
}

/// The standard methods (RFC 9110 and PATCH) keep their names; anything else is `other`.
fn method_label(method: &str) -> String {
    const STANDARD: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    if STANDARD.contains(&method) {
        method.to_owned()
    } else {
        "other".to_owned()
    }
}

/// The outcome label of a failed payer call.
fn outcome(e: &ConnectorError) -> &'static str {
    match e {
        ConnectorError::Timeout { .. } => "timeout",
        ConnectorError::NotConfigured { .. } | ConnectorError::NotServed { .. } => "not_configured",
        ConnectorError::Unreachable { .. } => "unreachable",
        ConnectorError::Dropped { .. } => "dropped",
        ConnectorError::Tls { .. } => "tls",
        ConnectorError::BreakerOpen { .. } => "breaker_open",
        ConnectorError::Throttled { .. } => "throttled",
        ConnectorError::Status { .. } => "bad_status",
        ConnectorError::BadResponse { .. } => "bad_response",
        ConnectorError::Refused { .. } => "refused",
    }
}

/// A payer call being timed; [`PayerTimer::finish`] records it with its outcome.
#[derive(Debug)]
pub struct PayerTimer<'a> {
    metrics: &'a Metrics,
    connector: &'a str,
    started: Instant,
}

impl<'a> PayerTimer<'a> {
    /// Ends the call's timing. A failed call is recorded now with its error kind; an answer is
    /// recorded when it has been read ([`Answered::read`]), so an unreadable 271 is not `ok`.
    pub fn finish<T>(
        self,
        r: Result<T, ConnectorError>,
    ) -> Result<(T, Answered<'a>), ConnectorError> {
        let elapsed = self.started.elapsed();
        match r {
            Ok(v) => Ok((
                v,
                Answered {
                    metrics: self.metrics,
                    connector: self.connector,
                    elapsed,
                },
            )),
            Err(e) => {
                self.record(outcome(&e), elapsed);
                Err(e)
            }
        }
    }

    fn record(&self, outcome: &'static str, elapsed: std::time::Duration) {
        self.metrics
            .payer_seconds
            .get_or_create(&ConnectorLabels {
                connector: self.connector.to_owned(),
                outcome,
            })
            .observe(elapsed.as_secs_f64());
    }
}

/// A payer call that answered, timed, waiting to learn whether its 271 could be read.
#[derive(Debug)]
#[must_use = "record the outcome with `read`"]
pub struct Answered<'a> {
    metrics: &'a Metrics,
    connector: &'a str,
    elapsed: std::time::Duration,
}

impl Answered<'_> {
    /// Records the call: `ok`, or `bad_response` when its 271 could not be read.
    pub fn read(self, readable: bool) {
        let timer = PayerTimer {
            metrics: self.metrics,
            connector: self.connector,
            started: Instant::now(),
        };
        timer.record(if readable { "ok" } else { "bad_response" }, self.elapsed);
    }
}

/// Held beside a limiter slot: the gauge counts it until it drops.
#[derive(Debug)]
pub struct SlotInUse {
    gauge: Gauge,
}

impl Drop for SlotInUse {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> Result<String, fmt::Error> {
        let now = crate::payer::unix_now();
        if let Ok(map) = self.not_after.lock() {
            for (connector, t) in map.iter() {
                self.certificate_expiry
                    .get_or_create(&ConnectorOnly {
                        connector: connector.clone(),
                    })
                    .set(t - now);
            }
        }
        let mut out = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)?;
        Ok(out)
    }

    /// Counts a slot of `account` in use until the guard drops.
    pub fn slot_held(&self, account: &str) -> SlotInUse {
        let gauge = self
            .slots_in_use
            .get_or_create(&AccountLabels {
                account: account.to_owned(),
            })
            .clone();
        gauge.inc();
        SlotInUse { gauge }
    }

    /// Counts one request of `account` refused at its in-flight limit (the 429).
    pub fn limit_rejected(&self, account: &str) {
        self.limit_rejections
            .get_or_create(&AccountLabels {
                account: account.to_owned(),
            })
            .inc();
    }

    /// Starts timing one payer call through `connector` (its configured name).
    pub fn payer_timer<'a>(&'a self, connector: &'a str) -> PayerTimer<'a> {
        PayerTimer {
            metrics: self,
            connector,
            started: Instant::now(),
        }
    }

    /// Counts the problems and repairs of one checked 270.
    pub fn checked(&self, errors: &[Issue], repairs: &[Warning]) {
        for e in errors {
            self.validation_problems
                .get_or_create(&RuleLabels { rule: e.rule })
                .inc();
        }
        for w in repairs {
            self.repairs
                .get_or_create(&KindLabels {
                    kind: code_label(&w.code),
                })
                .inc();
        }
    }

    /// Counts one error of the limiter's shared backend (for the limiter to call).
    pub fn limiter_backend_error(&self) {
        self.limiter_backend_errors.inc();
    }

    /// Counts one upstream token fetch (`ok` or an error kind) through `connector`.
    pub fn token_fetch(&self, connector: &str, ok: bool) {
        self.token_fetches
            .get_or_create(&ConnectorLabels {
                connector: connector.to_owned(),
                outcome: if ok { "ok" } else { "error" },
            })
            .inc();
    }

    /// Counts one request refused by failed-authentication throttling.
    pub fn auth_throttled(&self) {
        self.auth_throttled.inc();
    }

    fn request(&self, labels: &RequestLabels, started: Instant) {
        self.request_seconds
            .get_or_create(&RouteLabels {
                route: labels.route.clone(),
            })
            .observe(started.elapsed().as_secs_f64());
        self.requests.get_or_create(labels).inc();
    }
}

/// Where the auth extractor leaves the account, so the request metric can name it.
#[derive(Debug, Clone, Default)]
pub struct AccountCell(pub Arc<std::sync::OnceLock<Arc<str>>>);

/// One request being counted: started by the request layer before the request goes in,
/// finished with its answer (one count and one duration per request; probes and scrapes are
/// left out). The request layer (`layers::observe`) drives it, so logging and counting share one
/// middleware future per request.
#[derive(Debug)]
pub struct Recording {
    route: String,
    method: String,
    account: AccountCell,
    started: Instant,
}

impl Recording {
    /// Starts counting `req`, or `None` for probes and scrapes. Leaves an [`AccountCell`] in the
    /// request for the auth extractor to fill.
    pub fn start(req: &mut Request) -> Option<Self> {
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map_or("unmatched", |p| p.as_str());
        if [PATH, super::probes::LIVEZ, super::probes::READYZ].contains(&route) {
            return None;
        }
        let route = route.to_owned();
        let method = req.method().as_str().to_owned();
        let account = AccountCell::default();
        req.extensions_mut().insert(account.clone());
        Some(Self {
            route,
            method,
            account,
            started: Instant::now(),
        })
    }

    /// The account, once auth has named it.
    pub fn account(&self) -> Option<Arc<str>> {
        self.account.0.get().cloned()
    }

    /// Counts the answer `res`.
    pub fn finish(self, metrics: &Metrics, res: &Response) {
        metrics.request(
            &RequestLabels {
                route: self.route,
                // A client picks the method: any but the standard ones is `other`, so no client
                // can add series.
                method: method_label(&self.method),
                status: res.status().as_u16().to_string(),
                account: self
                    .account
                    .0
                    .get()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
            },
            self.started,
        );
    }
}

impl crate::payer::Events for Metrics {
    fn token_fetch(&self, connector: &str, ok: bool) {
        Metrics::token_fetch(self, connector, ok);
    }

    fn certificate(&self, connector: &str, not_after: Option<i64>) {
        if let Ok(mut map) = self.not_after.lock() {
            match not_after {
                Some(t) => {
                    map.insert(connector.to_owned(), t);
                }
                None => {
                    map.remove(connector);
                }
            }
        }
    }

    fn breaker(&self, connector: &str, state: crate::payer::BreakerState) {
        self.breaker_state
            .get_or_create(&ConnectorOnly {
                connector: connector.to_owned(),
            })
            .set(state.gauge());
    }

    fn retry(&self, connector: &str, reason: &'static str) {
        self.retries
            .get_or_create(&RetryLabels {
                connector: connector.to_owned(),
                reason,
            })
            .inc();
    }
}

/// `GET /metrics`.
pub async fn scrape(State(metrics): State<Arc<Metrics>>) -> Response {
    match metrics.render() {
        Ok(text) => (
            [(
                CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The router serving only `/metrics` (for `metrics.listen`).
pub fn router(metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new()
        .route(PATH, axum::routing::get(scrape))
        .with_state(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_labels_and_anything_else_other() {
        assert_eq!(
            code_label("request::270::se01_recounted"),
            "request::270::se01_recounted"
        );
        assert_eq!(code_label("GET"), "GET");
        assert_eq!(method_label("POST"), "POST");
        assert_eq!(method_label("FOO"), "other");
        assert_eq!(method_label("get"), "other");
        assert_eq!(code_label("SMITH ROBERT"), "other");
        assert_eq!(code_label(&"a".repeat(65)), "other");
    }

    #[tokio::test]
    async fn slots_count_while_held_and_refusals_count() {
        let m = Metrics::default();
        let held = m.slot_held("demo");
        m.limit_rejected("demo");
        let text = m.render().unwrap();
        assert!(
            text.contains("gateway_account_slots_in_use{account=\"demo\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("gateway_account_limit_rejections_total{account=\"demo\"} 1"),
            "{text}"
        );
        drop(held);
        m.limiter_backend_error();
        m.token_fetch("change-up", true);
        let ((), answered) = m.payer_timer("sandbox").finish(Ok(())).unwrap();
        answered.read(true);
        let text = m.render().unwrap();
        assert!(
            text.contains("gateway_account_slots_in_use{account=\"demo\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("gateway_limiter_backend_errors_total 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "gateway_upstream_token_fetches_total{connector=\"change-up\",outcome=\"ok\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "gateway_payer_call_duration_seconds_count{connector=\"sandbox\",outcome=\"ok\"} 1"
            ),
            "{text}"
        );
    }
}
