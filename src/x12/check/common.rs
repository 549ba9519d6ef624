//! Business rules several transactions share, each a function a transaction's `Rules` calls:
//! identifiers in pairs, birth dates and DTP dates that exist and are in order.

use super::found::{Found, Problems};
use crate::x12::{Segment, date};

/// NM108 and NM109 go together (X12 syntax rule P0809).
#[inline]
pub fn nm1_id_pair(out: &mut Problems, location: &'static str, seg: &Segment<'_>) {
    if seg.element(8).is_some() != seg.element(9).is_some() {
        let missing = if seg.element(8).is_some() { 9 } else { 8 };
        out.push(Found::segment("paired_elements", "2", location, seg.index, seg.tag).element(missing).say(
            format!("NM108 and NM109 in {location} go together: one is present, NM1{missing:02} is missing."),
            "Send the identification qualifier (NM108) with the identifier (NM109), or neither.",
        ));
    }
}

/// DMG02, a `D8` date of birth, exists and is not after `today`.
#[inline]
pub fn birth_date(out: &mut Problems, location: &'static str, seg: &Segment<'_>, today: &str) {
    if let Some(dob) = seg.element(2).filter(|d| date::is_ccyymmdd(d)) {
        if dob > today {
            out.push(
                Found::segment("date_in_future", "8", location, seg.index, seg.tag)
                    .element(2)
                    .say(
                        format!("DMG02 (date of birth) in {location} is in the future."),
                        "Check the date of birth.",
                    ),
            );
        }
    } else if seg.element(2).is_some() && seg.element(1) == Some("D8") {
        out.push(
            Found::segment("invalid_date", "8", location, seg.index, seg.tag)
                .element(2)
                .say(
                    format!(
                        "DMG02 (date of birth) in {location} is not a date that exists (CCYYMMDD)."
                    ),
                    "Send the date of birth as CCYYMMDD.",
                ),
        );
    }
}

/// DTP03 is a date (`D8`) or a range (`RD8`) that exists, with its start first. Returns the
/// date (or the range's start) when it is well formed, for rules that compare it.
#[inline]
pub fn dtp_dates<'a>(
    out: &mut Problems,
    location: &'static str,
    seg: &Segment<'a>,
) -> Option<&'a str> {
    let (Some(format), Some(value)) = (seg.element(2), seg.element(3)) else {
        return None;
    };
    let (problem, start) = match format {
        "D8" if date::is_ccyymmdd(value) => (None, Some(value)),
        "D8" => (Some("is not a date that exists (CCYYMMDD)"), None),
        "RD8" => match value.split_once('-') {
            Some((a, b)) if date::is_ccyymmdd(a) && date::is_ccyymmdd(b) => {
                if a > b {
                    (Some("is a range whose start is after its end"), None)
                } else {
                    (None, Some(a))
                }
            }
            _ => (
                Some("is not a date range that exists (CCYYMMDD-CCYYMMDD)"),
                None,
            ),
        },
        _ => (None, None),
    };
    if let Some(p) = problem {
        let rule = if p.contains("start is after") {
            "date_range_order"
        } else {
            "invalid_date"
        };
        out.push(Found::segment(rule, "8", location, seg.index, seg.tag).element(3).say(
            format!("DTP03 in {location} {p}."),
            "Send DTP03 as CCYYMMDD (DTP02 = D8) or CCYYMMDD-CCYYMMDD with the earlier date first (DTP02 = RD8).",
        ));
    }
    start
}
