//! Strict 005010X212 validation of incoming 276s with safe automatic repairs, on the checks every
//! transaction shares (`x12::check`): this module holds the 276 as data (its identity, loops and
//! levels, `schema`) and its business rules (`rules`). Same API and semantics as
//! `eligibility::validate`: every problem at once, each placed; every repair a warning; what goes
//! to the payer is the repaired 276.

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

/// The 276 as the shared checks know it.
pub static IDENTITY: Identity = Identity {
    st01: "276",
    gs01: "HR",
    version: "005010X212",
    name: "005010X212 276",
    what: "276 (claim status request)",
    route: "/medicalnetwork/claimstatus/v2/raw-x12",
    old_version: "004010X093",
};

/// The 276: loops, levels and rules.
pub static SPEC: Spec<rules::X212> = Spec {
    id: &IDENTITY,
    others: &[&crate::eligibility::validate::IDENTITY],
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
            code: "19",
            parent: Some("21"),
            required: true,
            patient: Patient::Never,
            header: &schema::L2000C,
            name: &schema::L2100C,
            inner: &[],
        },
        Level {
            code: "22",
            parent: Some("19"),
            required: true,
            patient: Patient::Leaf,
            header: &schema::L2000D,
            name: &schema::L2100D,
            inner: &[
                Inner {
                    trigger: "TRN",
                    part: &schema::L2200D,
                    parent: None,
                },
                Inner {
                    trigger: "SVC",
                    part: &schema::L2210D,
                    parent: Some(0),
                },
            ],
        },
        Level {
            code: "23",
            parent: Some("22"),
            required: false,
            patient: Patient::Always,
            header: &schema::L2000E,
            name: &schema::L2100E,
            inner: &[
                Inner {
                    trigger: "TRN",
                    part: &schema::L2200E,
                    parent: None,
                },
                Inner {
                    trigger: "SVC",
                    part: &schema::L2210E,
                    parent: Some(0),
                },
            ],
        },
    ],
    levels_needed: "the 276 needs a payer, an information receiver, a service provider and a subscriber level",
    tags: schema::TRANSACTION_TAGS,
    one_patient: false,
    repeated: &[],
    person_codes: &["IL", "QC"],
    stale_versions: &[],
    version_disagreement: "The version identifiers disagree: ISA12 says `00401` (4010), while the 276 is a 005010X212 claim status request.",
    rules: rules::X212,
};

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
