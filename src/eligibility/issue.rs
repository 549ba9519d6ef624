//! A 270 that cannot be sent, with every problem found; the problem itself (`Issue`) is shared
//! with the other transactions (`x12::check`).

pub use crate::x12::check::issue::{CORRECT_AND_RESUBMIT, Issue, PARSE_ERROR_CODE};

/// A 270 that cannot be sent: every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the 270 has {} problem(s)", issues.len())]
pub struct Rejected {
    /// All problems, in input order.
    pub issues: Vec<Issue>,
}

impl From<Issue> for Rejected {
    fn from(issue: Issue) -> Self {
        Self {
            issues: vec![issue],
        }
    }
}
