//! The eligibility flow both request kinds share, in order: check the 270, read it, apply the
//! account's payer aliases and NPI rules, route, take a slot, call the payer, map the 271. Raw X12
//! arrives here as sent; JSON requests as the 270 built from them.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::request_id::TraceId;
use crate::config::Mode;
use crate::eligibility::Rejected;
use crate::eligibility::map271::{self, Context};
use crate::eligibility::model::{Meta, Warning};
use crate::eligibility::validate::{self, Options};
use crate::eligibility::value_add::{Added, Applied};
use crate::limit::Refused;
use crate::payer::Outbound;
use crate::x12::date::Stamp;

/// Answers the 270 `sent` for `caller`: the eligibility JSON, or the error.
pub async fn answer(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: &str,
) -> Result<Response, ApiError> {
    answer_noting(state, trace_id, caller, sent, Vec::new()).await
}

/// As [`answer`], with `notes` (how a JSON request became `sent`) leading the warnings.
pub async fn answer_noting(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: &str,
    mut notes: Vec<Warning>,
) -> Result<Response, ApiError> {
    // Parsing, validation and repairs come before the limiter: a bad 270 never takes a slot.
    let mut checked = validate::check(
        sent,
        &Options {
            repairs: state.repairs,
            real_time: true,
        },
    );
    state.metrics.checked(&checked.errors, &checked.warnings);
    notes.append(&mut checked.warnings);
    if !checked.is_valid() {
        return Err(ApiError::Rejected {
            rejected: Rejected {
                issues: checked.errors,
            },
            warnings: notes,
        });
    }
    // The account's payer aliases and NPI rules, after repairs and before routing: the 270 sent
    // upstream (and recorded) carries the real payer ID and NPI; each rule applied is a warning.
    let mut inquiry = checked.inquiry();
    let added = state
        .value_add
        .for_account(&caller.account)
        .and_then(|rules| rules.apply(&checked.text, &mut inquiry, &Stamp::now().ccyymmdd()));
    let (rewritten, applied) = match added {
        Some(Added { x12, applied }) => (Some(x12), applied),
        None => (None, Applied::default()),
    };
    notes.extend(applied.warnings());
    let x12 = rewritten.as_deref().unwrap_or(&checked.text);
    let payer_id = inquiry.payer_id().unwrap_or("");
    tracing::Span::current().record("payer_id", payer_id);
    super::layers::note_payer_id(payer_id);
    // Routing comes before the limiter too: an unconfigured payer never takes a slot.
    let connector = state.payers.route(caller.mode, payer_id)?;
    // The account's slot, then the connector's when it is capped; both freed on every path.
    let slots = state
        .limiter
        .try_enter(&caller.account, connector.name())
        .await
        .inspect_err(|e| {
            if matches!(e, Refused::Account(_)) {
                state.metrics.limit_rejected(&caller.account);
            }
        })?;
    let in_use = state.metrics.slot_held(&caller.account);
    let timer = state.metrics.payer_timer(connector.name());
    let reply = state
        .payers
        .send(
            connector,
            Outbound {
                x12,
                inquiry: &inquiry,
            },
        )
        .await;
    // Freed before the answer goes out (a client may send its next request on receipt); if the
    // client hangs up first, dropping the future frees them instead.
    slots.release().await;
    drop(in_use);
    let (reply, answered) = timer.finish(reply)?;
    let ctx = Context {
        control_number: Some(inquiry.envelope.control_number.to_owned()).filter(|c| !c.is_empty()),
        // The payer ID the caller sent (an alias stays as sent; the warning names the real one).
        trading_partner_service_id: applied
            .payer_alias
            .as_ref()
            .map(|a| a.alias.clone())
            .or_else(|| inquiry.payer_id().map(str::to_owned)),
        traces: inquiry
            .patient()
            .traces
            .iter()
            .chain(&inquiry.subscriber.traces)
            .filter_map(|t| t.reference)
            .map(str::to_owned)
            .collect(),
        meta: meta(state, caller, trace_id, inquiry.envelope.reference),
    };
    let mapped = map271::map(&reply, &ctx);
    answered.read(mapped.is_ok());
    let mut response = mapped.map_err(|e| ApiError::BadPayerResponse {
        payer: connector.label().to_owned(),
        reason: e.to_string(),
        x12: crate::telemetry::Redacted(reply.clone()),
    })?;
    // The request's notes and the repairs made to the 270 come first, then what the 271 needed.
    notes.append(&mut response.warnings);
    response.warnings = notes;
    // Serialised into a buffer sized from the 271 (see `EligibilityResponse::to_json`).
    match response.to_json() {
        Ok(body) => {
            let mut res = ([(CONTENT_TYPE, "application/json")], body).into_response();
            if !applied.is_empty() {
                // For the layers beside the flow (the transaction store records it).
                res.extensions_mut().insert(applied);
            }
            Ok(res)
        }
        Err(e) => Err(ApiError::Internal(format!(
            "cannot serialise the response: {e}"
        ))),
    }
}

fn meta(
    state: &AppState,
    caller: &Caller,
    trace_id: TraceId,
    outbound_trace: Option<&str>,
) -> Meta {
    let nonempty = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
    Meta {
        sender_id: nonempty(&state.meta.sender_id),
        submitter_id: nonempty(&state.meta.submitter_id),
        biller_id: nonempty(&state.meta.biller_id),
        application_mode: Some(
            if caller.mode == Mode::Sandbox {
                "sandbox"
            } else {
                "production"
            }
            .to_owned(),
        ),
        trace_id: trace_id.0,
        outbound_trace_id: outbound_trace.map(str::to_owned),
    }
}
