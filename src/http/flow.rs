//! The steps every transaction flow shares (eligibility's and claim status's): the X12 checks in
//! the CPU pool, the breaker, slots and payer call, and `meta`. Each flow composes them in the
//! order STYLE.md §2 gives: parse and validate, route, limit, call, map.

use std::borrow::Cow;
use std::time::Instant;

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::metrics::Answered;
use super::request_id::TraceId;
use crate::config::Mode;
use crate::eligibility::Rejected;
use crate::eligibility::model::Meta;
use crate::limit::Refused;
use crate::payer::{Connector, Outbound};
use crate::x12::check::{Options, Outcome, OverBudget, Warning};

/// A transaction's validator (`eligibility::validate::check_within`,
/// `claim_status::validate::check_within`).
pub type Validator = for<'a> fn(&'a str, &Options, Instant) -> Result<Outcome<'a>, OverBudget>;

/// Checks (and repairs) `sent` with `validate` in the CPU pool, within the request's budget:
/// the X12 to send and the repairs made, or every problem found (`notes` lead the warnings of
/// the rejection). Runs before routing and the limiter, so a bad request never takes a slot.
pub async fn check(
    state: &AppState,
    sent: String,
    validate: Validator,
    notes: &mut Vec<Warning>,
) -> Result<String, ApiError> {
    let opts = Options {
        repairs: state.repairs,
        real_time: true,
    };
    let (x12, warnings, errors) = state
        .cpu
        .run(sent.len(), Instant::now(), move |deadline| {
            let Outcome {
                text,
                warnings,
                errors,
            } = validate(&sent, &opts, deadline)?;
            let repaired = match text {
                Cow::Owned(repaired) => Some(repaired),
                Cow::Borrowed(_) => None,
            };
            Ok::<_, OverBudget>((repaired.unwrap_or(sent), warnings, errors))
        })
        .await?
        .map_err(|OverBudget| ApiError::CpuBudget {
            budget: state.cpu.budget(),
        })?;
    state.metrics.checked(&errors, &warnings);
    notes.extend(warnings);
    if !errors.is_empty() {
        return Err(ApiError::Rejected {
            rejected: Rejected { issues: errors },
            warnings: std::mem::take(notes),
        });
    }
    Ok(x12)
}

/// Passes the breaker, takes the slots and calls the payer: its document, and the payer-call
/// metric still to be told whether the document was readable.
pub async fn send<'s>(
    state: &'s AppState,
    caller: &Caller,
    connector: &'s Connector,
    out: Outbound<'_>,
) -> Result<(String, Answered<'s>), ApiError> {
    // An open breaker is answered at once and takes no slot.
    let ticket = state.payers.admit(connector)?;
    // The account's slot (one pool for every transaction), then the connector's when it is
    // capped; both freed on every path.
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
    let reply = state.payers.send(ticket, out).await;
    // Freed before the answer goes out (a client may send its next request on receipt); if the
    // client hangs up first, dropping the future frees them instead.
    slots.release().await;
    drop(in_use);
    Ok(timer.finish(reply)?)
}

/// `meta` of a response: the configured IDs, the account's mode, our trace ID and the BHT03 sent.
pub fn meta(
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
