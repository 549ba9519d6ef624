//! The eligibility flow every request kind shares, in order: check the 270, read it, apply the
//! account's payer aliases and NPI rules, answer a duplicate from the store, route, take a slot,
//! call the payer, map the 271. Raw X12 arrives here as sent; JSON requests as the 270 built from
//! them. The transaction store learns each step through the request's `Capture`.

use std::time::Instant;

use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::flow;
use super::request_id::TraceId;
use super::transaction::Capture;
use crate::config::Mode;
use crate::eligibility::inquiry;
use crate::eligibility::map271::{self, Context};
use crate::eligibility::model::Warning;
use crate::eligibility::validate;
use crate::eligibility::value_add::{Added, Applied};
use crate::payer::Outbound;
use crate::payer::sandbox::Mock;
use crate::x12::date::Stamp;

/// Answers the 270 `sent` for `caller`: the eligibility JSON, or the error; `notes` (how a JSON
/// request became `sent`) lead the warnings; `cap` learns what the transaction records.
pub async fn answer_noting(
    state: &AppState,
    trace_id: TraceId,
    caller: &Caller,
    sent: String,
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
    sent: String,
    mut notes: Vec<Warning>,
    cap: &mut Capture,
) -> Result<Vec<u8>, ApiError> {
    cap.sent(&sent);
    // Parsing, validation and repairs come before the limiter: a bad 270 never takes a slot.
    let x12 = flow::check(state, sent, validate::check_within, &mut notes).await?;
    // The account's payer aliases and NPI rules, after repairs and before routing: the 270 sent
    // upstream (and recorded, and matched for duplicates) carries the real payer ID and NPI; each
    // rule applied is a warning.
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
    cap.sent(x12);
    cap.learn(state, &inquiry, state.dedup.hours(&caller.account) > 0);
    // A materially identical request answered within the window is replayed: no payer call,
    // no slot.
    let (reply, label, answered) = if let Some(scenario) = mock(caller, cap)? {
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
            None,
        )
    } else if let Some(stored) = cap.duplicate(state, &caller.account).await {
        (stored, "store".to_owned(), None)
    } else {
        // Routing comes before the limiter too: an unconfigured payer never takes a slot.
        let connector = state.payers.route(caller.mode, payer_id)?;
        let (reply, answered) = flow::send(
            state,
            caller,
            connector,
            Outbound::eligibility(x12, &inquiry),
        )
        .await?;
        (reply, connector.label().to_owned(), Some(answered))
    };
    cap.received(&reply);
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
        meta: flow::meta(state, caller, trace_id, inquiry.envelope.reference),
    };
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
    // The 271 is mapped and serialised in the CPU pool too (a payer's 271 may be large).
    let mapped = state
        .cpu
        .run(reply.len(), Instant::now(), move |_| {
            let (mut response, status) = match map271::map_classified(&reply, &ctx) {
                Ok(r) => r,
                Err(e) => {
                    let reason = e.to_string();
                    return Err(ApiError::BadPayerResponse {
                        payer: label,
                        document: "271",
                        reason,
                        x12: crate::telemetry::Redacted(reply),
                    });
                }
            };
            // The request's notes and the repairs made to the 270 come first, then what the 271 needed.
            notes.append(&mut response.warnings);
            response.warnings = notes;
            // Serialised into a buffer sized from the 271 (see `EligibilityResponse::to_json`).
            let body = response
                .to_json()
                .map_err(|e| ApiError::Internal(format!("cannot serialise the response: {e}")))?;
            Ok((body, response.warnings, status))
        })
        .await?;
    if let Some(answered) = answered {
        answered.read(!matches!(mapped, Err(ApiError::BadPayerResponse { .. })));
    }
    let (body, warnings, status) = mapped?;
    cap.classified(status);
    for w in &warnings {
        cap.warn(&w.code, &w.description);
    }
    // The body itself is not recorded: it is the 271's mapping, made again on read.
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
