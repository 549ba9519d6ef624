//! The HTTP edge: routes, auth, body reading, errors and the request log. Only this module knows
//! status codes, and only its raw-X12 handler composes the steps.

pub mod auth;
pub mod body;
mod claim_status;
pub mod cpu;
mod eligibility;
mod enhanced;
mod enhanced_doc;
pub mod error;
mod flow;
pub mod in_flight;
pub mod json;
mod layers;
pub mod metrics;
pub mod oauth;
pub mod openapi;
pub mod probes;
mod raw_x12;
pub mod request_id;
pub mod throttle;
pub mod token;
pub mod transaction;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};

use crate::config::{MetaSettings, Settings, SettingsError};
use crate::limit::{Limiter, Shared};
use crate::payer::Payers;
pub use error::ApiError;

/// Everything handlers share.
#[derive(Debug)]
pub struct AppState {
    /// API keys and OAuth clients by account.
    pub accounts: auth::Accounts,
    /// Signs and checks bearer tokens.
    pub tokens: token::TokenKeys,
    /// Per-account and per-connector in-flight limits.
    pub limiter: Limiter,
    /// Connectors and routing.
    pub payers: Payers,
    /// Values for `meta`.
    pub meta: MetaSettings,
    /// Whether 270 repairs are applied.
    pub repairs: bool,
    /// The body limit, for the 413 message.
    pub max_body_bytes: usize,
    /// The body deadline (`server.body_timeout_ms`): past it, 408.
    pub body_timeout: std::time::Duration,
    /// The envelope of 270s built from JSON requests.
    pub envelope: crate::eligibility::request::Envelope,
    /// What `/readyz` answers; components raise reasons here.
    pub readiness: probes::Readiness,
    /// Requests in flight, for shutdown.
    pub in_flight: Arc<in_flight::InFlight>,
    /// Failed authentications by client address.
    pub failed_auth: Arc<throttle::FailedAuth>,
    /// Prometheus metrics.
    pub metrics: Arc<metrics::Metrics>,
    /// Each account's payer aliases and NPI rules.
    pub value_add: crate::eligibility::value_add::ValueAdd,
    /// Where CPU-bound checks run, and their per-request budget.
    pub cpu: cpu::CpuPool,
    /// The transaction store's writer and reader (`None` when `store.enabled` is false).
    pub store: Option<Arc<crate::store::Recorder>>,
    /// What eligibility routes do while the store does not answer.
    pub store_on_error: crate::config::OnStoreError,
    /// Deduplication windows.
    pub dedup: transaction::Dedup,
}

impl AppState {
    /// State for `settings`; secrets named in them are read from the process environment or
    /// their files. An unreadable secret is an error naming its key.
    pub fn new(settings: &Settings) -> Result<Self, SettingsError> {
        Self::with_env(settings, &|name| std::env::var(name).ok())
    }

    /// As [`AppState::new`], reading environment variables through `lookup`.
    pub fn with_env(
        settings: &Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let limits = &settings.limits;
        let metrics = Arc::new(metrics::Metrics::default());
        let counted = Arc::clone(&metrics);
        let on_error = Box::new(move || counted.limiter_backend_error());
        let shared = match limits.redis_target(lookup)? {
            Some(target) => Some(
                Shared::start(target, limits.lease(), limits.backend_timeout(), on_error).map_err(
                    |e| SettingsError::Invalid {
                        key: "limits.redis_url".into(),
                        problem: format!("cannot be used: {e}"),
                    },
                )?,
            ),
            None => None,
        };
        let limiter = Limiter::new(settings, shared);
        Ok(Self {
            accounts: auth::Accounts::from_settings(settings),
            tokens: token::TokenKeys::from_settings(&settings.oauth, lookup)?,
            limiter,
            payers: Payers::from_settings_observed(
                settings,
                lookup,
                Arc::clone(&metrics) as Arc<dyn crate::payer::Events>,
            )?,
            meta: settings.meta.clone(),
            repairs: settings.validation.repairs,
            max_body_bytes: settings.server.max_body_bytes,
            body_timeout: settings.server.body_timeout(),
            envelope: json::envelope(&settings.x12),
            readiness: probes::Readiness::default(),
            in_flight: Arc::default(),
            failed_auth: Arc::new(throttle::FailedAuth::new(
                settings.auth.failures_per_minute,
                &settings.server.trusted_proxies,
            )),
            metrics,
            value_add: crate::eligibility::value_add::ValueAdd::from_settings(&settings.accounts)?,
            cpu: cpu::CpuPool::new(
                settings.validation.cpu_workers,
                settings.validation.cpu_budget(),
            ),
            store: None,
            store_on_error: settings.store.on_error,
            dedup: transaction::Dedup::from_settings(settings),
        })
    }
}

/// Paths of the eligibility API: Stedi's `/change/...` and Change's own.
pub const RAW_X12_PATHS: [&str; 2] = [
    "/change/medicalnetwork/eligibility/v3/raw-x12",
    "/medicalnetwork/eligibility/v3/raw-x12",
];
/// Change's JSON eligibility paths (its spec has the trailing slash, its clients mostly not).
pub const JSON_CHANGE_PATHS: [&str; 2] = [
    "/medicalnetwork/eligibility/v3",
    "/medicalnetwork/eligibility/v3/",
];
/// Stedi's JSON eligibility path.
pub const JSON_STEDI_PATH: &str = "/change/medicalnetwork/eligibility/v3";
/// Health check paths.
pub const HEALTH_PATHS: [&str; 2] = [
    "/change/medicalnetwork/eligibility/v3/healthcheck",
    "/medicalnetwork/eligibility/v3/healthcheck",
];

/// The router with every route and layer.
pub fn router(state: Arc<AppState>, settings: &Settings) -> Router {
    let mut r = Router::new();
    for p in RAW_X12_PATHS {
        r = r.route(p, post(raw_x12::handle));
    }
    for p in JSON_CHANGE_PATHS {
        r = r.route(p, post(json::change));
    }
    r = r.route(JSON_STEDI_PATH, post(json::stedi));
    r = enhanced::routes(r);
    r = claim_status::routes(r);
    r = r.route(oauth::TOKEN_PATH, post(oauth::token));
    // Only the routes above take a credential; the throttle runs before it is read.
    let (failed_auth, counted) = (Arc::clone(&state.failed_auth), Arc::clone(&state.metrics));
    r = r.route_layer(axum::middleware::from_fn(move |req, next| {
        throttle::guard(Arc::clone(&failed_auth), Arc::clone(&counted), req, next)
    }));
    for p in HEALTH_PATHS {
        r = r.route(p, get(health));
    }
    r = r.route(claim_status::HEALTH_PATH, get(claim_status::health));
    r = r.route(probes::LIVEZ, get(probes::livez));
    r = r.route(probes::READYZ, get(probes::readyz));
    let doc = openapi::rendered();
    r = r.route(
        openapi::PATH,
        get(move || std::future::ready(openapi::serve(&doc))),
    );
    let metrics = Arc::clone(&state.metrics);
    if settings.metrics.enabled && settings.metrics.listen.is_empty() {
        let scrape = Arc::clone(&metrics);
        r = r.route(
            metrics::PATH,
            get(move || metrics::scrape(axum::extract::State(scrape))),
        );
    }
    let limit = settings.server.max_body_bytes;
    let timeout = settings.server.request_timeout();
    let in_flight = Arc::clone(&state.in_flight);
    r.fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(axum::middleware::from_fn(move |req, next| {
                    layers::admit(Arc::clone(&in_flight), req, next)
                }))
                .layer(SetRequestIdLayer::x_request_id(request_id::FastRequestId))
                .layer(axum::middleware::from_fn(move |req, next| {
                    layers::observe(Arc::clone(&metrics), req, next)
                }))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(axum::middleware::from_fn(move |req, next| {
                    layers::edge(timeout, req, next)
                }))
                .layer(DefaultBodyLimit::max(limit)),
        )
}

async fn health() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({ "status": "OK", "version": env!("CARGO_PKG_VERSION") }))
}
