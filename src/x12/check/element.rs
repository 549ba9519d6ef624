//! Element rules: usage (required, not used), data types, lengths, codes, character set, and
//! delimiters that must not appear inside data. Nothing is allocated unless a problem is found.

use std::fmt;

use super::found::{Found, Problems};
use super::schema::{El, Slot, Ty, Usage, Use};

/// A segment's element usage where it stands: usage and codes, and elements that may repeat.
#[derive(Debug, Clone, Copy)]
pub struct Uses<'s> {
    /// Usage and codes by element, in element order.
    pub uses: &'s [Use],
    /// Elements whose value may repeat, with the maximum repetitions.
    pub repeats: &'s [(u8, u16)],
}

impl Uses<'static> {
    /// The uses of a loop's slot.
    pub fn of(slot: &'static Slot) -> Self {
        Self {
            uses: slot.uses,
            repeats: slot.repeats,
        }
    }
}
use crate::x12::charset::{Classes, class};
use crate::x12::{Segment, charset, date};

/// `NM109`, `EQ02-1`, with " (repetition 2)" when repeated; formatted only for a finding.
#[derive(Clone, Copy)]
struct Field<'a> {
    tag: &'a str,
    element: usize,
    component: usize,
    repetition: usize,
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{:02}", self.tag, self.element)?;
        if self.component > 0 {
            write!(f, "-{}", self.component)?;
        }
        if self.repetition > 0 {
            write!(f, " (repetition {})", self.repetition)?;
        }
        Ok(())
    }
}

const SITUATIONAL: Use = Use {
    element: 0,
    usage: Usage::S,
    codes: None,
};

/// Checks every element of `seg` against its definitions and its usage rules; `version` names
/// the implementation guide in messages ("005010X279A1").
pub fn check(
    seg: &Segment<'_>,
    defs: &[El],
    slot: Uses<'_>,
    location: &'static str,
    version: &str,
    classes: &Classes,
    out: &mut Problems,
) {
    let site = Site {
        seg,
        location,
        version,
        classes,
    };
    let count = seg.element_count();
    if count > defs.len() {
        out.push(
            Found::segment("too_many_elements", "3", location, seg.index, seg.tag)
                .element(defs.len() + 1)
                .say(
                    format!(
                        "{} in {location} has {count} elements; it has at most {}.",
                        seg.tag,
                        defs.len()
                    ),
                    format!("Remove the elements after {}{:02}.", seg.tag, defs.len()),
                ),
        );
    }
    let mut values = seg.elements();
    let mut uses = slot.uses.iter().peekable();
    for (i, def) in defs.iter().enumerate() {
        let n = i + 1;
        let Some(raw) = values.next() else {
            // Past the last element only required ones can be wrong: report them and stop.
            for u in uses.filter(|u| usize::from(u.element) >= n && u.usage == Usage::R) {
                let missing = Field {
                    tag: seg.tag,
                    element: usize::from(u.element),
                    component: 0,
                    repetition: 0,
                };
                out.push(
                    Found::segment("element_missing", "1", location, seg.index, seg.tag)
                        .element(missing.element)
                        .say(
                            format!("{missing} in {location} is required but missing or empty."),
                            format!("Fill {missing}."),
                        ),
                );
            }
            return;
        };
        // `uses` is in element order (a schema test checks it): walk it alongside the elements.
        while uses.peek().is_some_and(|u| usize::from(u.element) < n) {
            uses.next();
        }
        let rule = uses
            .peek()
            .filter(|u| usize::from(u.element) == n)
            .copied()
            .copied()
            .unwrap_or(SITUATIONAL);
        let field = Field {
            tag: seg.tag,
            element: n,
            component: 0,
            repetition: 0,
        };
        let here = |rule: &'static str, x12: &'static str| {
            Found::segment(rule, x12, location, seg.index, seg.tag).element(n)
        };
        if raw.is_empty() {
            if rule.usage == Usage::R {
                out.push(here("element_missing", "1").say(
                    format!("{field} in {location} is required but missing or empty."),
                    format!("Fill {field}."),
                ));
            }
            continue;
        }
        if rule.usage == Usage::N {
            out.push(here("element_not_used", "I10").say(
                format!("{field} is not used in {location} ({version}) but has a value."),
                format!("Leave {field} empty."),
            ));
            continue;
        }
        let max_reps = slot
            .repeats
            .iter()
            .find(|(e, _)| usize::from(*e) == n)
            .map(|(_, m)| *m);
        match (max_reps, seg.delimiters().repetition) {
            (Some(max), Some(r)) => {
                let reps = crate::x12::split_byte(raw, r).count();
                if reps > usize::from(max) {
                    out.push(here("too_many_repetitions", "12").say(
                        format!("{field} in {location} repeats {reps} times; at most {max} repetitions are allowed."),
                        format!("Send at most {max} values in {field}."),
                    ));
                }
                // Past the maximum the count is the problem: repetitions beyond it are not
                // checked one by one (a hostile element may hold hundreds of thousands).
                for (ri, value) in crate::x12::split_byte(raw, r)
                    .enumerate()
                    .take(usize::from(max))
                {
                    let repetition = if reps > 1 { ri + 1 } else { 0 };
                    check_value(
                        &site,
                        Field {
                            repetition,
                            ..field
                        },
                        *def,
                        &rule,
                        value,
                        out,
                    );
                }
            }
            _ => check_value(&site, field, *def, &rule, raw, out),
        }
    }
}

/// The segment being checked, where it sits, and its delimiters' byte classes.
struct Site<'s, 'a> {
    seg: &'s Segment<'a>,
    location: &'static str,
    version: &'s str,
    classes: &'s Classes,
}

#[inline]
fn check_value(
    site: &Site<'_, '_>,
    field: Field<'_>,
    def: El,
    rule: &Use,
    value: &str,
    out: &mut Problems,
) {
    let Site {
        seg,
        location,
        version,
        classes,
    } = *site;
    let delims = seg.delimiters();
    let scan = classes.scan(value);
    let at = |rule: &'static str, x12: &'static str, component: usize| {
        Found::segment(rule, x12, location, seg.index, seg.tag)
            .element(field.element)
            .within(component, field.repetition)
    };
    // One table lookup per byte tells separators, character set and code alphabet at once.
    let rep = delims.repetition.filter(|_| field.repetition == 0);
    let has_comp = scan.0 & class::COMPONENT != 0;
    if let Some(r) = rep
        && scan.0 & class::REPETITION != 0
    {
        out.push(at("delimiter_in_data", "6", 0).say(
            format!("{field} in {location} contains the repetition separator `{}`, which may not appear inside a value.", char::from(r)),
            format!("Remove the repetition separator from {field}; X12 has no escape for delimiters."),
        ));
        return;
    }
    if let Ty::Composite(parts) = def.ty {
        let comps = crate::x12::split_byte(value, delims.component).count();
        if comps > parts.len() {
            out.push(at("too_many_components", "13", parts.len() + 1).say(
                format!(
                    "{field} in {location} has {comps} components; at most {}.",
                    parts.len()
                ),
                format!("Remove the extra components of {field}."),
            ));
        }
        for (ci, (c, part)) in crate::x12::split_byte(value, delims.component)
            .zip(parts.iter())
            .enumerate()
        {
            let cfield = Field {
                component: ci + 1,
                ..field
            };
            if c.is_empty() {
                if ci == 0 {
                    out.push(at("element_missing", "1", 1).say(
                        format!("{cfield} in {location} is required but empty."),
                        format!("Fill {cfield}."),
                    ));
                }
                continue;
            }
            let codes = if ci == 0 { rule.codes } else { None };
            if let Some(p) = value_problem(
                c,
                classes.scan(c),
                *part,
                codes,
                cfield,
                (location, version),
            ) {
                out.push(at(p.0, p.1, ci + 1).say(p.2, p.3));
            }
        }
    } else {
        if has_comp {
            out.push(at("delimiter_in_data", "6", 0).say(
                format!("{field} in {location} contains the component separator `{}`, which may not appear inside a value.", char::from(delims.component)),
                format!("Remove the component separator from {field}; X12 has no escape for delimiters."),
            ));
            return;
        }
        if let Some(p) = value_problem(value, scan, def, rule.codes, field, (location, version)) {
            out.push(at(p.0, p.1, 0).say(p.2, p.3));
        }
    }
}

type Problem = (&'static str, &'static str, String, String);

/// The first problem of one value: characters, length, then code and type.
#[inline]
fn value_problem(
    v: &str,
    scan: (u8, u8),
    def: El,
    codes: Option<&[&str]>,
    field: Field<'_>,
    (location, version): (&str, &str),
) -> Option<Problem> {
    let (min, max) = (def.min, def.max);
    let alnum = scan.1 & class::ALNUM != 0;
    if scan.1 & class::ALLOWED == 0 {
        let pos = v.bytes().position(|b| !charset::is_allowed(b)).unwrap_or(0);
        return Some((
            "invalid_character",
            "6",
            format!("{field} in {location} has a character outside the X12 basic and extended character sets at position {}.", pos + 1),
            "Use letters, digits, spaces and the X12 special characters only; no control characters or non-ASCII letters.".to_owned(),
        ));
    }
    // Every allowed character is ASCII, so the byte length is the character count.
    let len = v.len();
    if len < usize::from(min) {
        return Some((
            "too_short",
            "4",
            format!("{field} in {location} has {len} characters; at least {min} are required."),
            format!("Send {field} with {min} to {max} characters."),
        ));
    }
    if len > usize::from(max) {
        return Some((
            "too_long",
            "5",
            format!("{field} in {location} has {len} characters; at most {max} are allowed."),
            format!("Send {field} with {min} to {max} characters."),
        ));
    }
    // Exact match first (repaired codes are upper case); case-blind only when that fails, so a
    // lower-case code reported as a needed repair is not reported twice.
    if let Some(list) = codes
        && !is_code(list, v)
        && !list.iter().any(|c| c.eq_ignore_ascii_case(v))
    {
        let allowed = if list.len() <= 20 {
            format!(" Allowed: {}.", list.join(", "))
        } else {
            String::new()
        };
        return Some((
            "invalid_code",
            "7",
            format!("{field} in {location} is not a valid code here.{allowed}"),
            format!("Use a code that {version} allows for {field} in {location}."),
        ));
    }
    let ok = match def.ty {
        Ty::Dt => date::is_ccyymmdd(v),
        Ty::Tm => date::is_time(v),
        Ty::N0 => {
            v.strip_prefix('-')
                .unwrap_or(v)
                .bytes()
                .all(|b| b.is_ascii_digit())
                && v.len() > usize::from(v.starts_with('-'))
        }
        Ty::R => is_decimal(v),
        Ty::Id => alnum,
        Ty::An | Ty::Composite(_) => true,
    };
    if ok {
        return None;
    }
    Some(match def.ty {
        Ty::Dt => (
            "invalid_date",
            "8",
            format!("{field} in {location} is not a date that exists (CCYYMMDD)."),
            format!("Send {field} as CCYYMMDD."),
        ),
        Ty::Tm => (
            "invalid_time",
            "9",
            format!("{field} in {location} is not a valid time (HHMM, HHMMSS)."),
            format!("Send {field} as HHMM."),
        ),
        ty => (
            "invalid_character",
            "6",
            format!(
                "{field} in {location} is not a valid {} value.",
                type_name(ty)
            ),
            format!("Send {field} as {}.", type_name(ty)),
        ),
    })
}

fn is_decimal(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let dots = digits.bytes().filter(|&b| b == b'.').count();
    !digits.is_empty()
        && digits != "."
        && dots <= 1
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::N0 => "an integer",
        Ty::R => "a decimal number",
        Ty::Id => "a code (letters and digits)",
        _ => "text",
    }
}

/// `list.contains(&v)` for short codes, byte by byte: `&str` equality calls `memcmp`, which cost
/// more than the comparison itself for 1- to 3-byte codes.
fn is_code(list: &[&str], v: &str) -> bool {
    list.iter()
        .any(|c| c.len() == v.len() && c.bytes().zip(v.bytes()).all(|(a, b)| a == b))
}
