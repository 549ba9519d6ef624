//! The claim status flow (276 → 277), on Change's paths (`/medicalnetwork/claimstatus/v2…`) and
//! Stedi's (`/change/medicalnetwork/claimstatus/v2…`), in the order of the eligibility flow: check
//! the 276 (CPU pool), read it, route by its payer ID (2100A NM109), take a slot from the
//! account's one pool (shared with eligibility), call the connector, map the 277 (CPU pool).
//! Claim status exchanges are not recorded in the transaction store.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use super::AppState;
use super::auth::Caller;
use super::body::{BodyBytes, RawX12Request};
use super::error::ApiError;
use super::flow;
use super::request_id::TraceId;
use crate::claim_status::map277::{self, Context, DateStyle};
use crate::claim_status::{inquiry, request, validate};
use crate::json_request::Dialect;
use crate::payer::{Outbound, Transaction};
use crate::x12::check::Warning;
use crate::x12::date::Stamp;

/// Change's raw X12 path.
pub const RAW_X12_CHANGE: &str = "/medicalnetwork/claimstatus/v2/raw-x12";
/// Stedi's raw X12 path.
pub const RAW_X12_STEDI: &str = "/change/medicalnetwork/claimstatus/v2/raw-x12";
/// Change's JSON paths (its spec has the trailing slash, its docs mostly not).
pub const JSON_CHANGE_PATHS: [&str; 2] = [
    "/medicalnetwork/claimstatus/v2",
    "/medicalnetwork/claimstatus/v2/",
];
/// Stedi's JSON path.
pub const JSON_STEDI_PATH: &str = "/change/medicalnetwork/claimstatus/v2";
/// Change's health check (Stedi has none for claim status).
pub const HEALTH_PATH: &str = "/medicalnetwork/claimstatus/v2/healthcheck";
/// Change's health check media type.
const HEALTH_TYPE: &str = "application/vnd.changehealthcare.claimstatus-v2+json";

/// The routes that take a credential (the health check is added with the other probes).
pub fn routes(mut r: Router<Arc<AppState>>) -> Router<Arc<AppState>> {
    r = r.route(RAW_X12_CHANGE, post(raw_x12));
    r = r.route(RAW_X12_STEDI, post(raw_x12));
    for p in JSON_CHANGE_PATHS {
        r = r.route(p, post(json_change));
    }
    r.route(JSON_STEDI_PATH, post(json_stedi))
}

/// `GET /medicalnetwork/claimstatus/v2/healthcheck`: Change's `HealthCheckResponse`.
pub async fn health() -> Response {
    (
        [(CONTENT_TYPE, HEALTH_TYPE)],
        r#"{"status":"UP","version":"V2"}"#,
    )
        .into_response()
}

/// The anchor whose path was called: its error convention and its date style.
fn dialect_of(route: &str) -> Dialect {
    if route.starts_with("/change/") {
        Dialect::Stedi
    } else {
        Dialect::Change
    }
}

fn dates(dialect: Dialect) -> DateStyle {
    match dialect {
        // Stedi's schema prints STC dates as `YYYY-MM-DD` since 2026-03.
        Dialect::Stedi => DateStyle::Iso,
        Dialect::Change => DateStyle::Compact,
    }
}

/// `POST …/claimstatus/v2/raw-x12`: `{"x12": "<276>"}`.
async fn raw_x12(
    State(state): State<Arc<AppState>>,
    route: MatchedPath,
    trace_id: TraceId,
    caller: Caller,
    body: Result<RawX12Request, ApiError>,
) -> Result<Response, ApiError> {
    let dialect = dialect_of(route.as_str());
    let body = exchange(&state, trace_id, &caller, body?.x12, Vec::new(), dialect).await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

async fn json_change(
    State(state): State<Arc<AppState>>,
    trace_id: TraceId,
    caller: Caller,
    body: Result<BodyBytes, ApiError>,
) -> Result<Response, ApiError> {
    json(&state, trace_id, &caller, body?, Dialect::Change).await
}

async fn json_stedi(
    State(state): State<Arc<AppState>>,
    trace_id: TraceId,
    caller: Caller,
    body: Result<BodyBytes, ApiError>,
) -> Result<Response, ApiError> {
    json(&state, trace_id, &caller, body?, Dialect::Stedi).await
}

/// A JSON claim status request: checked and built into a 276 (CPU pool), then the raw X12 flow;
/// a built 276 the validator refuses is told at the JSON fields it was built from.
async fn json(
    state: &Arc<AppState>,
    trace_id: TraceId,
    caller: &Caller,
    BodyBytes(bytes): BodyBytes,
    dialect: Dialect,
) -> Result<Response, ApiError> {
    let shared = Arc::clone(state);
    let (built, bytes) = state
        .cpu
        .run(bytes.len(), Instant::now(), move |_| {
            let built = super::json::built(&bytes, "a claim status request", dialect, |b| {
                request::to_276_as(b, &shared.envelope, &Stamp::now(), dialect)
            });
            (built, bytes)
        })
        .await?;
    let built = built?;
    match exchange(state, trace_id, caller, built.x12, built.warnings, dialect).await {
        Ok(body) => Ok(([(CONTENT_TYPE, "application/json")], body).into_response()),
        Err(ApiError::Rejected { rejected, .. }) => {
            // Only a request that parsed got this far.
            let req = request::parse(&bytes).unwrap_or_default();
            Err(ApiError::InvalidRequest {
                problems: request::refused::problems(&req, &rejected.issues),
                dialect,
            })
        }
        Err(e) => Err(e),
    }
}

/// Answers the 276 `sent` for `caller`: Change's claim status `Response` JSON, the payer's 277
/// in `x12`; `notes` (how a JSON request became `sent`) lead the warnings.
pub async fn exchange(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: String,
    mut notes: Vec<Warning>,
    dialect: Dialect,
) -> Result<Vec<u8>, ApiError> {
    // A bad 276 (or a 270 sent here) never takes a slot.
    let x12 = flow::check(state, sent, validate::check_within, &mut notes).await?;
    let query = inquiry::read(&x12);
    let payer_id = query.payer_id.unwrap_or("");
    tracing::Span::current().record("payer_id", payer_id);
    super::layers::note_payer_id(payer_id);
    // Routing comes before the limiter too: an unconfigured payer never takes a slot.
    let connector = state
        .payers
        .route_for(caller.mode, payer_id, Transaction::ClaimStatus)?;
    let (reply, answered) = flow::send(
        state,
        caller,
        connector,
        Outbound::claim_status(&x12, &query),
    )
    .await?;
    let ctx = Context {
        control_number: query.control_number.map(str::to_owned),
        trading_partner_service_id: query.payer_id.map(str::to_owned),
        traces: query.traces.iter().map(|t| (*t).to_owned()).collect(),
        meta: Some(flow::meta(state, caller, trace_id, query.reference)),
        dates: dates(dialect),
    };
    let label = connector.label().to_owned();
    // The 277 is mapped and serialised in the CPU pool (a payer's 277 may be large).
    let mapped = state
        .cpu
        .run(reply.len(), Instant::now(), move |_| {
            let mut response =
                map277::map(&reply, &ctx).map_err(|e| ApiError::BadPayerResponse {
                    payer: label,
                    document: "277",
                    reason: e.to_string(),
                    x12: crate::telemetry::Redacted(reply.clone()),
                })?;
            notes.append(&mut response.warnings);
            response.warnings = notes;
            response
                .to_json()
                .map_err(|e| ApiError::Internal(format!("cannot serialise the response: {e}")))
        })
        .await?;
    answered.read(!matches!(mapped, Err(ApiError::BadPayerResponse { .. })));
    mapped
}
