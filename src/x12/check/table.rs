//! Test support: the placed-error tables both validators' tests run (a mutation of a valid
//! document, and the rule it must break at an exact place).
#![allow(clippy::missing_panics_doc)]

use super::{Issue, Outcome};

/// (why, from, to, rule, location, segment position, element, component); 0 = not placed there.
pub type Row = (
    &'static str,
    &'static str,
    String,
    &'static str,
    &'static str,
    u32,
    u8,
    u8,
);

/// One row: `from` in the base document replaced by `to` must break `rule` at the place given.
#[allow(clippy::too_many_arguments)] // one table column each
pub fn row(
    why: &'static str,
    from: &'static str,
    to: &str,
    rule: &'static str,
    location: &'static str,
    pos: u32,
    el: u8,
    comp: u8,
) -> Row {
    (why, from, to.to_owned(), rule, location, pos, el, comp)
}

/// Every error, one line each, for assertion messages.
pub fn summary(o: &Outcome<'_>) -> String {
    o.errors
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?}/{:?}/{:?} {}",
                e.rule, e.location, e.segment_position, e.element, e.component, e.description
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The warning codes, in order.
pub fn codes(o: &Outcome<'_>) -> Vec<String> {
    o.warnings.iter().map(|w| w.code.clone()).collect()
}

/// Applies `row` to `base`, checks it with `run` and asserts its error is where the row says,
/// with a byte offset inside the input, a description and a resolution that quote none of `phi`.
/// Returns the error for the transaction's own assertions.
pub fn assert_placed(
    base: &str,
    row: &Row,
    run: impl for<'t> Fn(&'t str) -> Outcome<'t>,
    phi: &[&str],
) -> Issue {
    let (why, from, to, rule, location, pos, el, comp) = row;
    assert!(base.contains(from), "{why}: base lacks {from:?}");
    let text = base.replacen(from, to, 1);
    let o = run(&text);
    let Some(e) = o.errors.iter().find(|e| e.rule == *rule) else {
        panic!("{why}: no `{rule}` error; got:\n{}", summary(&o))
    };
    assert_eq!(e.location, *location, "{why}: location\n{}", summary(&o));
    assert_eq!(
        e.segment_position,
        Some(*pos).filter(|p| *p > 0),
        "{why}: segment position\n{}",
        summary(&o)
    );
    assert_eq!(e.element, Some(*el).filter(|e| *e > 0), "{why}: element");
    assert_eq!(
        e.component,
        Some(*comp).filter(|c| *c > 0),
        "{why}: component"
    );
    assert!(
        e.byte_offset.is_some_and(|b| b <= text.len()),
        "{why}: byte offset inside the input"
    );
    assert!(
        !e.description.is_empty() && !e.possible_resolutions.is_empty(),
        "{why}: says what and what to do"
    );
    for p in phi {
        assert!(!e.description.contains(p), "{why}: description quotes data");
    }
    e.clone()
}
