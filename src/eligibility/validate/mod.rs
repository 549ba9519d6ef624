//! Strict 005010X279A1 validation of incoming 270s with safe automatic repairs, on the checks every
//! transaction shares (`x12::check`): this module holds the 270 as data (its identity, loops and
//! levels, `schema`) and its business rules (`rules`). Every problem is reported at once, each
//! with its loop, segment, position, element and component; every repair is reported as a
//! warning. What goes to the payer is the repaired 270.

mod rules;
pub mod schema;

use std::time::Instant;

use crate::x12::check::{
    self as shared, Identity, Spec,
    spec::{Inner, Level, Patient},
};
pub use crate::x12::check::{
    MAX_BYTES, MAX_ISSUES, MAX_SEGMENTS, Options, Outcome, OverBudget, Repair,
};
#[cfg(test)]
use crate::x12::{Reader, check::repair};

use super::inquiry::{self, Inquiry};

/// The 270 as the shared checks know it.
pub static IDENTITY: Identity = Identity {
    st01: "270",
    gs01: "HS",
    version: "005010X279A1",
    name: "005010X279A1 270",
    what: "270 (eligibility inquiry)",
    route: "/medicalnetwork/eligibility/v3/raw-x12",
    old_version: "004010X092",
};

/// The 270: loops, levels and rules.
pub static SPEC: Spec<rules::X279A1> = Spec {
    id: &IDENTITY,
    others: &[&crate::claim_status::validate::IDENTITY],
    header: &schema::HEADER,
    trailer: &schema::TRAILER,
    levels: &[
        Level {
            code: "20",
            parent: None,
            required: true,
            patient: Patient::Never,
            header: &schema::L2000A,
            name: &schema::L2100A,
            inner: &[],
        },
        Level {
            code: "21",
            parent: Some("20"),
            required: true,
            patient: Patient::Never,
            header: &schema::L2000B,
            name: &schema::L2100B,
            inner: &[],
        },
        Level {
            code: "22",
            parent: Some("21"),
            required: true,
            patient: Patient::Leaf,
            header: &schema::L2000C,
            name: &schema::L2100C,
            inner: &[Inner {
                trigger: "EQ",
                part: &schema::L2110C,
                parent: None,
            }],
        },
        Level {
            code: "23",
            parent: Some("22"),
            required: false,
            patient: Patient::Always,
            header: &schema::L2000D,
            name: &schema::L2100D,
            inner: &[Inner {
                trigger: "EQ",
                part: &schema::L2110D,
                parent: None,
            }],
        },
    ],
    levels_needed: "the 270 needs a payer, a provider and a subscriber level",
    tags: schema::TRANSACTION_TAGS,
    one_patient: true,
    repeated: &[("EQ", 1)],
    person_codes: &["IL", "03"],
    stale_versions: &["005010X279"],
    version_disagreement: "The version identifiers disagree: ISA12 says `00401` (4010) or GS08/ST03 say `005010X279` (5010 before the addenda), while the 270 is a 005010X279A1 inquiry.",
    rules: rules::X279A1,
};

/// Reads the typed inquiry of a checked 270.
pub trait ReadInquiry {
    /// The typed inquiry of the checked (and repaired) text, read without checking again: call it
    /// on a valid outcome (`is_valid`); on an invalid one, parts may be missing.
    fn inquiry(&self) -> Inquiry<'_>;
}

impl ReadInquiry for Outcome<'_> {
    fn inquiry(&self) -> Inquiry<'_> {
        inquiry::read(&self.text)
    }
}

/// Checks (and repairs) `input`, judging dates against today.
pub fn check<'a>(input: &'a str, opts: &Options) -> Outcome<'a> {
    shared::check(&SPEC, input, opts)
}

/// Checks `input` with `today` as `CCYYMMDD` (tests pin it).
pub fn check_on<'a>(input: &'a str, opts: &Options, today: &str) -> Outcome<'a> {
    shared::check_on(&SPEC, input, opts, today)
}

/// Checks (and repairs) `input`, judging dates against today, and gives up once `deadline` has
/// passed: the request's CPU budget.
pub fn check_within<'a>(
    input: &'a str,
    opts: &Options,
    deadline: Instant,
) -> Result<Outcome<'a>, OverBudget> {
    shared::check_within(&SPEC, input, opts, deadline)
}

/// Checks `input` with `today` as `CCYYMMDD`, giving up once `deadline` (if any) has passed.
pub fn check_until<'a>(
    input: &'a str,
    opts: &Options,
    today: &str,
    deadline: Option<Instant>,
) -> Result<Outcome<'a>, OverBudget> {
    shared::check_until(&SPEC, input, opts, today, deadline)
}

#[cfg(test)]
mod tests;
