//! The eligibility flow both request kinds share, in order: check the 270, read it, route, take a
//! slot, call the payer, map the 271. Raw X12 arrives here as sent; JSON requests as the 270 built
//! from them.

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::request_id::TraceId;
use super::transaction::Capture;
use crate::config::Mode;
use crate::eligibility::Rejected;
use crate::eligibility::map271::{self, Context};
use crate::eligibility::model::{Meta, Warning};
use crate::eligibility::validate::{self, Options};
use crate::limit::Refused;
use crate::payer::Outbound;
use crate::payer::sandbox::Mock;

/// Answers the 270 `sent` for `caller`: the eligibility JSON, or the error; `notes` (how a JSON
/// request became `sent`) lead the warnings; `cap` learns what the transaction records.
pub async fn answer_noting(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: &str,
    notes: Vec<Warning>,
    cap: &mut Capture,
) -> Result<Response, ApiError> {
    let body = exchange(state, trace_id, caller, sent, notes, cap).await?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

/// As [`answer_noting`], up to the JSON body.
pub async fn exchange(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: &str,
    mut notes: Vec<Warning>,
    cap: &mut Capture,
) -> Result<Vec<u8>, ApiError> {
    cap.sent(sent);
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
    cap.sent(x12);
    cap.learn(&inquiry);
    // A materially identical request answered within the window is replayed: no payer call,
    // no slot.
    let (reply, label) = if let Some(scenario) = mock(caller, cap)? {
        // Optum's sandbox scenarios (v1 POSTs, sandbox accounts): no payer, no slot, no replay.
        let Mock::Answer(scenario) = scenario else {
            return Err(crate::payer::ConnectorError::NotConfigured {
                payer_id: payer_id.to_owned(),
            }
            .into());
        };
        (
            state.payers.mock(&inquiry, scenario).await,
            "sandbox".to_owned(),
        )
    } else if let Some(stored) = cap.duplicate(state, &caller.account).await {
        (stored, "store".to_owned())
    } else {
        // Routing comes before the limiter too: an unconfigured payer never takes a slot.
        let connector = state.payers.route(caller.mode, payer_id)?;
        (
            send(state, caller, connector, x12, &inquiry).await?,
            connector.label().to_owned(),
        )
    };
    cap.received(&reply);
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
        payer: label.clone(),
        reason: e.to_string(),
        x12: crate::telemetry::Redacted(reply.clone()),
    })?;
    // The request's notes and the repairs made to the 270 come first, then what the 271 needed.
    notes.append(&mut response.warnings);
    if let Some(original) = &cap.replay_of {
        notes.push(Warning {
            code: "gateway::deduplication::replayed".into(),
            description: format!(
                "A materially identical request was answered by the payer as transaction \
                 {original}; its 271 is replayed here instead of a new payer call (send \
                 `x-optum-eligibility-disable-value-add: deduplication` to skip this)."
            ),
            location: None,
            segment: None,
            segment_position: None,
            element: None,
        });
    }
    for w in &notes {
        cap.warn(&w.code, &w.description);
    }
    response.warnings = notes;
    // Serialised into a buffer sized from the 271 (see `EligibilityResponse::to_json`).
    let body = response
        .to_json()
        .map_err(|e| ApiError::Internal(format!("cannot serialise the response: {e}")))?;
    cap.answered(&body);
    Ok(body)
}

/// The sandbox scenario `x-optum-rcmelig-mock-scenarios` asks for, on the v1 POSTs of a sandbox
/// account; an unknown name is a 400 listing the names.
fn mock(caller: &Caller, cap: &Capture) -> Result<Option<Mock>, ApiError> {
    let Some(name) = cap.headers.mock_scenario.as_deref() else {
        return Ok(None);
    };
    if caller.mode != Mode::Sandbox || !super::enhanced::POST_PATHS.contains(&cap.route()) {
        return Ok(None);
    }
    crate::payer::sandbox::mock_scenario(name)
        .map(Some)
        .map_err(|names| ApiError::BadBody {
            message: format!(
                "The header x-optum-rcmelig-mock-scenarios names no scenario; use one of: {names}."
            ),
            path: None,
        })
}

/// Routes, takes the slots and calls the payer: the 271 text.
async fn send(
    state: &AppState,
    caller: &Caller,
    connector: &crate::payer::Connector,
    x12: &str,
    inquiry: &crate::eligibility::Inquiry<'_>,
) -> Result<String, ApiError> {
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
        .send(connector, Outbound { x12, inquiry })
        .await;
    // Freed before the answer goes out (a client may send its next request on receipt); if the
    // client hangs up first, dropping the future frees them instead.
    slots.release().await;
    drop(in_use);
    Ok(timer.finish(reply)?)
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
