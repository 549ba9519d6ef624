//! The eligibility flow both request kinds share, in order: check the 270, read it, apply the
//! account's payer aliases and NPI rules, route, take a slot, call the payer, map the 271. Raw X12
//! arrives here as sent; JSON requests as the 270 built from them.

use std::borrow::Cow;
use std::time::Instant;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::request_id::TraceId;
use crate::config::Mode;
use crate::eligibility::map271::{self, Context};
use crate::eligibility::model::{Meta, Warning};
use crate::eligibility::validate::{self, Options};
use crate::eligibility::value_add::{Added, Applied};
use crate::eligibility::{Rejected, inquiry};
use crate::limit::Refused;
use crate::payer::{Outbound, Transaction};
use crate::x12::date::Stamp;

/// Answers the 270 `sent` for `caller`: the eligibility JSON, or the error.
pub async fn answer(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: String,
) -> Result<Response, ApiError> {
    answer_noting(state, trace_id, caller, sent, Vec::new()).await
}

/// As [`answer`], with `notes` (how a JSON request became `sent`) leading the warnings.
pub async fn answer_noting(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: String,
    mut notes: Vec<Warning>,
) -> Result<Response, ApiError> {
    // Parsing, validation and repairs come before the limiter: a bad 270 never takes a slot.
    // They run in the CPU pool, within the request's budget.
    let opts = Options {
        repairs: state.repairs,
        real_time: true,
    };
    let (x12, warnings, errors) = state
        .cpu
        .run(sent.len(), Instant::now(), move |deadline| {
            let validate::Outcome {
                text,
                warnings,
                errors,
            } = validate::check_within(&sent, &opts, deadline)?;
            let repaired = match text {
                Cow::Owned(repaired) => Some(repaired),
                Cow::Borrowed(_) => None,
            };
            Ok::<_, validate::OverBudget>((repaired.unwrap_or(sent), warnings, errors))
        })
        .await?
        .map_err(|validate::OverBudget| ApiError::CpuBudget {
            budget: state.cpu.budget(),
        })?;
    state.metrics.checked(&errors, &warnings);
    notes.extend(warnings);
    if !errors.is_empty() {
        return Err(ApiError::Rejected {
            rejected: Rejected { issues: errors },
            warnings: notes,
        });
    }
    // The account's payer aliases and NPI rules, after repairs and before routing: the 270 sent
    // upstream (and recorded) carries the real payer ID and NPI; each rule applied is a warning.
    let mut inquiry = inquiry::read(&x12);
    let added = state
        .value_add
        .for_account(&caller.account)
        .and_then(|rules| rules.apply(&x12, &mut inquiry, &Stamp::now().ccyymmdd()));
    let (rewritten, applied) = match added {
        Some(Added { x12, applied }) => (Some(x12), applied),
        None => (None, Applied::default()),
    };
    notes.extend(applied.warnings());
    let x12 = rewritten.as_deref().unwrap_or(&x12);
    let payer_id = inquiry.payer_id().unwrap_or("");
    tracing::Span::current().record("payer_id", payer_id);
    super::layers::note_payer_id(payer_id);
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
    // The 271 is mapped and serialised in the CPU pool too (a payer's 271 may be large).
    let label = connector.label().to_owned();
    let started = Instant::now();
    let mapped = state
        .cpu
        .run(reply.len(), started, move |_| {
            let mut response = match map271::map(&reply, &ctx) {
                Ok(r) => r,
                Err(e) => {
                    let reason = e.to_string();
                    return Err(ApiError::BadPayerResponse {
                        payer: label,
                        reason,
                        x12: crate::telemetry::Redacted(reply),
                    });
                }
            };
            // The request's notes and the repairs made to the 270 come first, then what the 271 needed.
            notes.append(&mut response.warnings);
            response.warnings = notes;
            // Serialised into a buffer sized from the 271 (see `EligibilityResponse::to_json`).
            response
                .to_json()
                .map_err(|e| ApiError::Internal(format!("cannot serialise the response: {e}")))
        })
        .await?;
    answered.read(!matches!(mapped, Err(ApiError::BadPayerResponse { .. })));
    let mut res = ([(CONTENT_TYPE, "application/json")], mapped?).into_response();
    if !applied.is_empty() {
        // For the layers beside the flow (the transaction store records it).
        res.extensions_mut().insert(applied);
    }
    Ok(res)
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
