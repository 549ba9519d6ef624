//! The built-in sandbox payer. It behaves like Change Healthcare's eligibility sandbox: fixed
//! members get active coverage, the documented test payer IDs reproduce their scenarios, anyone
//! else is "subscriber not found". It answers with a real 271 built from the 270, which then goes
//! through the same parser and mapper as any payer's answer.

mod benefits;
pub mod claim_status;
mod reply;
mod scenario;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

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

    /// The 271 for `inquiry`, after the configured delay.
    pub async fn answer(&self, inquiry: &Inquiry<'_>) -> String {
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let control = self.next_control.fetch_add(1, Ordering::Relaxed) % 1_000_000_000;
        reply::build(
            inquiry,
            Scenario::of(inquiry),
            control,
            &crate::x12::date::Stamp::now(),
        )
    }
}

#[cfg(test)]
mod tests;
