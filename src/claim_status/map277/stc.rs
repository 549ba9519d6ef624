//! One STC composite (C043: category, status, entity, code list qualifier) with its names, and
//! the dates the anchors print in one of two styles.

use std::borrow::Cow;

use crate::claim_status::codes;
use crate::claim_status::model::{StatusCodes, Text};
use crate::x12::CutSegment;
use crate::x12::date::is_ccyymmdd;

/// How dates from STC02/06/08 are printed: Change's documentation shows `CCYYMMDD`, Stedi's
/// current schema `YYYY-MM-DD` (`claim-status.md` §2.6, open question 4).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateStyle {
    /// `20250717`, as the 277 writes it (Change).
    #[default]
    Compact,
    /// `2025-07-17` (Stedi since 2026-03).
    Iso,
}

/// `raw` in `style`; anything that is not a valid `CCYYMMDD` is passed through as written.
pub fn date(raw: &str, style: DateStyle) -> Text<'_> {
    match style {
        DateStyle::Iso if is_ccyymmdd(raw) => match (raw.get(..4), raw.get(4..6), raw.get(6..)) {
            (Some(y), Some(m), Some(d)) => Cow::Owned(format!("{y}-{m}-{d}")),
            _ => Cow::Borrowed(raw),
        },
        _ => Cow::Borrowed(raw),
    }
}

/// One composite: (category, status, entity) codes with their texts.
struct Composite<'a> {
    category: Option<&'a str>,
    category_text: Option<&'static str>,
    status: Option<&'a str>,
    status_text: Option<&'static str>,
    entity: Option<&'a str>,
    entity_text: Option<&'static str>,
}

fn composite<'a>(seg: &CutSegment<'a>, n: usize) -> Option<Composite<'a>> {
    let category = seg.component(n, 1);
    let status = seg.component(n, 2);
    let entity = seg.component(n, 3);
    if category.is_none() && status.is_none() && entity.is_none() {
        return None;
    }
    // STC0n-4 = `RX`: the status code is an NCPDP reject/payment code, not list 508.
    let ncpdp = seg.component(n, 4) == Some("RX");
    Some(Composite {
        category,
        category_text: category.and_then(|c| codes::name(codes::CATEGORIES, c)),
        status,
        status_text: status
            .filter(|_| !ncpdp)
            .and_then(|c| codes::name(codes::STATUSES, c)),
        entity,
        entity_text: entity.and_then(|c| codes::name(codes::ENTITIES, c)),
    })
}

/// STC01, STC10, STC11 and STC02 of `seg`.
pub fn status_codes<'a>(seg: &CutSegment<'a>, style: DateStyle) -> StatusCodes<'a> {
    let mut out = StatusCodes {
        effective_date: seg.element(2).map(|d| date(d, style)),
        ..StatusCodes::default()
    };
    if let Some(c) = composite(seg, 1) {
        out.status_category_code = c.category.map(Cow::Borrowed);
        out.status_category_code_value = c.category_text;
        out.status_code = c.status.map(Cow::Borrowed);
        out.status_code_value = c.status_text;
        out.entity_code = c.entity.map(Cow::Borrowed);
        out.entity = c.entity_text;
    }
    if let Some(c) = composite(seg, 10) {
        out.secondary_status_category_code = c.category.map(Cow::Borrowed);
        out.secondary_status_category_code_value = c.category_text;
        out.secondary_status_code = c.status.map(Cow::Borrowed);
        out.secondary_status_code_value = c.status_text;
        out.secondary_entity_code = c.entity.map(Cow::Borrowed);
        out.secondary_entity = c.entity_text;
    }
    if let Some(c) = composite(seg, 11) {
        out.tertiary_status_category_code = c.category.map(Cow::Borrowed);
        out.tertiary_status_category_code_value = c.category_text;
        out.tertiary_status_code = c.status.map(Cow::Borrowed);
        out.tertiary_status_code_value = c.status_text;
        out.tertiary_entity_code = c.entity.map(Cow::Borrowed);
        out.tertiary_entity = c.entity_text;
    }
    out
}

/// What the client should do about a rejection in category `category` (AAA04's vocabulary).
pub fn followup(category: &str) -> Option<&'static str> {
    match category {
        "E0" | "E3" | "E4" | "A3" | "A6" | "A7" | "A8" => Some("Please Correct and Resubmit"),
        "E1" | "E2" => Some("Resubmission Allowed"),
        _ => None,
    }
}
