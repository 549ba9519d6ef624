//! The eligibility flow both request kinds share, in order: check the 270, read it, route, take a
//! slot, call the payer, map the 271. Raw X12 arrives here as sent; JSON requests as the 270 built
//! from them.

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
use crate::limit::Refused;
use crate::payer::{Outbound, Transaction};

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
    let x12 = checked.text.as_ref();
    let inquiry = checked.inquiry();
    let payer_id = inquiry.payer_id().unwrap_or("");
    tracing::Span::current().record("payer_id", payer_id);
    // Routing comes before the limiter too: an unconfigured payer never takes a slot.
    let connector = state.payers.route(caller.mode, payer_id)?;
    // So does an open breaker: a failing payer is answered at once and takes no slot.
    let ticket = state.payers.admit(connector)?;
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
            ticket,
            Outbound {
                x12,
                inquiry: &inquiry,
                transaction: Transaction::Eligibility,
            },
        )
        .await;
    // Freed before the answer goes out (a client may send its next request on receipt); if the
    // client hangs up first, dropping the future frees them instead.
    slots.release().await;
    drop(in_use);
    let reply = timer.finish(reply)?;
    let ctx = Context {
        control_number: Some(inquiry.envelope.control_number.to_owned()).filter(|c| !c.is_empty()),
        trading_partner_service_id: inquiry.payer_id().map(str::to_owned),
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
    let mut response = map271::map(&reply, &ctx).map_err(|e| ApiError::BadPayerResponse {
        payer: connector.label().to_owned(),
        reason: e.to_string(),
        x12: crate::telemetry::Redacted(reply.clone()),
    })?;
    // The request's notes and the repairs made to the 270 come first, then what the 271 needed.
    notes.append(&mut response.warnings);
    response.warnings = notes;
    // Serialised into a buffer sized from the 271 (see `EligibilityResponse::to_json`).
    match response.to_json() {
        Ok(body) => Ok(([(CONTENT_TYPE, "application/json")], body).into_response()),
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
