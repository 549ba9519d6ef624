//! The built-in sandbox payer. It behaves like Change Healthcare's eligibility sandbox: fixed
//! members get active coverage, the documented test payer IDs reproduce their scenarios, anyone
//! else is "subscriber not found". It answers with a real 271 built from the 270, which then goes
//! through the same parser and mapper as any payer's answer; claim status 276s get the canned 277s
//! of `claim_status`.

mod benefits;
pub mod claim_status;
mod reply;
mod scenario;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::Query;
use crate::eligibility::Inquiry;
use benefits::write as scenario_benefits;
pub use scenario::Scenario;

/// The sandbox connector.
#[derive(Debug)]
pub struct SandboxPayer {
    delay: Duration,
    /// Interchange control numbers of our 271s.
    next_control: AtomicU32,
}

impl SandboxPayer {
    /// A sandbox that waits `delay` before each answer.
    pub fn new(delay: Duration) -> Self {
        Self {
            delay,
            next_control: AtomicU32::new(1),
        }
    }

    /// The 271 (or 277) for the request, after the configured delay.
    pub async fn answer(&self, query: Query<'_>) -> String {
        match query {
            Query::Eligibility(inquiry) => self.answer_as(inquiry, Scenario::of(inquiry)).await,
            Query::ClaimStatus(q) => {
                self.wait().await;
                let control = self.next_control.fetch_add(1, Ordering::Relaxed) % 1_000_000_000;
                claim_status::claim_status_answer(q, control, &crate::x12::date::Stamp::now())
            }
        }
    }

    async fn wait(&self) {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
    }

    /// The 271 of `scenario` for `inquiry`, whoever the member is, after the configured delay.
    pub async fn answer_as(&self, inquiry: &Inquiry<'_>, scenario: Scenario) -> String {
        self.wait().await;
        let control = self.next_control.fetch_add(1, Ordering::Relaxed) % 1_000_000_000;
        reply::build(inquiry, scenario, control, &crate::x12::date::Stamp::now())
    }
}

/// Optum's sandbox header `x-optum-rcmelig-mock-scenarios`: Optum does not publish its strings,
/// so ours are the six `status.value`s. `Err` names the strings when `name` is none of them.
pub fn mock_scenario(name: &str) -> Result<Mock, &'static str> {
    const NAMES: &str = "eligible, ineligible, patient_unknown, payer_unavailable, \
                         payer_not_in_system, processing_error";
    Ok(Mock::Answer(match name {
        "eligible" => Scenario::Active,
        "ineligible" => Scenario::InactiveCoverage,
        "patient_unknown" => Scenario::NotFound,
        "payer_unavailable" => Scenario::PayerSystemError,
        "processing_error" => Scenario::CannotProcess,
        "payer_not_in_system" => return Ok(Mock::PayerNotInSystem),
        _ => return Err(NAMES),
    }))
}

/// What a mock scenario does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mock {
    /// The sandbox answers this.
    Answer(Scenario),
    /// No payer answers: the gateway reports the payer ID unknown.
    PayerNotInSystem,
}

#[cfg(test)]
mod tests;
