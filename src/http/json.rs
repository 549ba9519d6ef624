//! `POST …/eligibility/v3`: Change's JSON eligibility request, checked, built into a 270 and
//! answered by the same flow as raw X12. Problems follow the convention of the path called.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, State};
use axum::response::Response;

use super::AppState;
use super::auth::Caller;
use super::body::BodyBytes;
use super::eligibility;
use super::error::ApiError;
use super::request_id::TraceId;
use super::transaction::{Capture, ExchangeHeaders};
use crate::config::X12Settings;
use crate::eligibility::request::{self, Built, Dialect, Envelope, Refusal};
use crate::x12::date::Stamp;

/// Change's path (`/medicalnetwork/eligibility/v3`, with or without the trailing slash).
pub async fn change(
    State(state): State<Arc<AppState>>,
    route: MatchedPath,
    trace_id: TraceId,
    headers: ExchangeHeaders,
    caller: Caller,
    body: Result<BodyBytes, ApiError>,
) -> Response {
    handle(
        &state,
        route.as_str(),
        trace_id,
        headers,
        &caller,
        body,
        Dialect::Change,
    )
    .await
}

/// Stedi's path (`/change/medicalnetwork/eligibility/v3`).
pub async fn stedi(
    State(state): State<Arc<AppState>>,
    route: MatchedPath,
    trace_id: TraceId,
    headers: ExchangeHeaders,
    caller: Caller,
    body: Result<BodyBytes, ApiError>,
) -> Response {
    handle(
        &state,
        route.as_str(),
        trace_id,
        headers,
        &caller,
        body,
        Dialect::Stedi,
    )
    .await
}

async fn handle(
    state: &Arc<AppState>,
    route: &str,
    trace_id: TraceId,
    headers: ExchangeHeaders,
    caller: &Caller,
    body: Result<BodyBytes, ApiError>,
    dialect: Dialect,
) -> Response {
    let mut cap = match Capture::begin(state, super::raw_x12::route_name(route), headers) {
        Ok(c) => c,
        Err(refused) => {
            let (cap, e) = *refused;
            return cap.finish(state, caller, Err(e));
        }
    };
    let result = match body {
        Ok(BodyBytes(bytes)) => {
            build_and_answer(state, trace_id, caller, bytes, dialect, &mut cap).await
        }
        Err(e) => Err(e),
    };
    cap.finish(state, caller, result)
}

/// Checks and builds the 270 (in the CPU pool, like the 270's checks), then answers it; a built
/// 270 the validator refuses is told at the JSON fields it was built from.
async fn build_and_answer(
    state: &Arc<AppState>,
    trace_id: TraceId,
    caller: &Caller,
    bytes: axum::body::Bytes,
    dialect: Dialect,
    cap: &mut Capture,
) -> Result<Response, ApiError> {
    let shared = Arc::clone(state);
    let built = state
        .cpu
        .run(bytes.len(), Instant::now(), move |_| {
            to_270(&bytes, &shared.envelope, dialect)
        })
        .await??;
    let answer =
        eligibility::answer_noting(state, trace_id, caller, built.x12, built.warnings, cap);
    match answer.await {
        // The client sent JSON: a refused 270 is told at the JSON fields it was built from.
        Err(ApiError::Rejected { rejected, .. }) => Err(ApiError::InvalidRequest {
            problems: request::refused::problems(&rejected.issues),
            dialect,
        }),
        other => other,
    }
}

/// The 270 for a JSON body under the rules of the path called (with what the caller should be
/// told about it), or why there is none.
pub fn to_270(bytes: &[u8], envelope: &Envelope, dialect: Dialect) -> Result<Built, ApiError> {
    built(bytes, "an eligibility request", dialect, |b| {
        request::to_270_as(b, envelope, &Stamp::now(), dialect)
    })
}

/// What a JSON body built (`build` runs on a non-blank body), or the error naming why not, in
/// `dialect`'s convention; `what` names the request object expected ("an eligibility request").
pub fn built(
    bytes: &[u8],
    what: &str,
    dialect: Dialect,
    build: impl FnOnce(&[u8]) -> Result<Built, Refusal>,
) -> Result<Built, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadBody {
            message: format!("The request body is empty; send a JSON object ({what})."),
            path: None,
        });
    }
    build(bytes).map_err(|refusal| match refusal {
        Refusal::NotAnObject(e) => ApiError::BadBody {
            message: if e.line == 0 {
                format!("The request body must be a JSON object ({what}).")
            } else {
                format!(
                    "The request body is not valid JSON (line {}, column {}); send a JSON object ({what}).",
                    e.line, e.column
                )
            },
            path: None,
        },
        Refusal::Invalid(problems) => ApiError::InvalidRequest { problems, dialect },
    })
}

/// The builder's envelope from `[x12]`.
pub fn envelope(s: &X12Settings) -> Envelope {
    let or = |v: &str, default: &str| {
        if v.is_empty() {
            default.to_owned()
        } else {
            v.to_owned()
        }
    };
    Envelope {
        sender_qualifier: s.sender_qualifier.clone(),
        sender_id: s.sender_id.clone(),
        receiver_qualifier: s.receiver_qualifier.clone(),
        receiver_id: s.receiver_id.clone(),
        application_sender: or(&s.application_sender, &s.sender_id),
        application_receiver: or(&s.application_receiver, &s.receiver_id),
        usage: s.usage.clone(),
        trace_originator: s.trace_originator.clone(),
        payer_names: s.payer_names.clone(),
    }
}
