//! EB and its 2110/2115/2120 segments: one `benefitsInformation` entry per EB, in 271 order.

use std::borrow::Cow;

use super::entity::{aaa, address, contact};
use super::text::{decimal, name_or_code};
use super::{Level, Walk};
use crate::eligibility::codes::{self, field};
use crate::eligibility::model::{
    AdditionalIdentification, AdditionalInformation, Benefit, DatePeriod, PlanStatus, Procedure,
    ProviderInformation, RelatedEntity, Repeats, ServiceDelivery, ServiceTypeNames,
};
use crate::x12::CutSegment as Seg;

/// Where the walk is inside the benefit loops.
#[derive(Debug, Default, Clone, Copy)]
pub struct State {
    /// An EB was seen at this level: REF/DTP/AAA now belong to it.
    pub active: bool,
    /// Between `LS*2120` and `LE*2120`.
    pub in_2120: bool,
}

impl State {
    /// Leaves the benefit loops (at a new HL or the end of the transaction set).
    pub fn close(&mut self) {
        *self = Self::default();
    }
}

fn text<'a>(seg: &Seg<'a>, n: usize) -> Option<Cow<'a, str>> {
    seg.element(n).map(Cow::Borrowed)
}

/// EB01 codes that describe the plan's status (active or inactive) and so get a `planStatus` entry.
fn is_status(code: &str) -> bool {
    matches!(code, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8")
}

/// Takes `seg` when it belongs to the benefit loops; returns whether it did.
pub fn takes<'a>(w: &mut Walk<'a, '_>, seg: &Seg<'a>) -> bool {
    if seg.tag == "EB" {
        w.benefit = State {
            active: true,
            in_2120: false,
        };
        let (benefit, status) = eb(seg);
        if let Some(r) = w.current.as_mut() {
            if r.benefits_information.capacity() == 0 {
                // Commercial 271s carry dozens of EBs; growing from 4 moved each ~1 KB entry often.
                r.benefits_information.reserve(32);
            }
            r.benefits_information.push(benefit);
            r.plan_status.extend(status);
        }
        return true;
    }
    if !w.benefit.active {
        return false;
    }
    let dependent = w.level == Level::Dependent;
    let (loop_2110, loop_2120) = if dependent {
        ("Loop 2110D", "Loop 2120D")
    } else {
        ("Loop 2110C", "Loop 2120C")
    };
    let in_2120 = w.benefit.in_2120;
    let Some(r) = w.current.as_mut() else {
        return false;
    };
    let Some(b) = r.benefits_information.last_mut() else {
        return false;
    };
    // (warning code, text) for what was odd about this segment's place.
    let mut odd: Option<(&str, String)> = None;
    match seg.tag {
        "LS" => {
            b.header_loop_identifier_code = text(seg, 1);
            w.benefit.in_2120 = true;
        }
        "LE" => {
            b.trailer_loop_identifier_code = text(seg, 1);
            w.benefit.in_2120 = false;
        }
        "NM1" => {
            // An NM1 after an EB is a 2120 entity even when its `LS` is missing: mapping it to the
            // member would overwrite the subscriber's name.
            b.benefits_related_entities.push(related_entity(seg));
            if !in_2120 {
                w.benefit.in_2120 = true;
                odd = Some((
                    "response::271::ls_missing",
                    format!(
                        "`NM1` after an `EB` without `LS*2120` was mapped as a {loop_2120} entity."
                    ),
                ));
            }
        }
        "N3" | "N4" | "PER" | "PRV" => match b.benefits_related_entities.last_mut() {
            Some(e) => entity_detail(e, seg),
            None => {
                odd = Some((
                    "response::271::benefit_segment",
                    format!(
                        "Segment `{}` after an `EB` and before any {loop_2120} `NM1` was ignored.",
                        seg.tag
                    ),
                ));
            }
        },
        "HSD" => b.benefits_service_delivery.push(hsd(seg)),
        "MSG" => {
            if let Some(m) = seg.raw_element(1).filter(|m| !m.is_empty()) {
                b.additional_information.push(AdditionalInformation {
                    description: Cow::Borrowed(m),
                });
            }
        }
        "III" => b.eligibility_additional_information_list.push(iii(seg)),
        "REF" => odd = benefit_ref(b, seg).map(|text| ("response::271::unknown_qualifier", text)),
        "DTP" => {
            odd = benefit_date(b, seg).map(|text| ("response::271::unknown_qualifier", text));
        }
        "AAA" => {
            let e = aaa(seg, if in_2120 { loop_2120 } else { loop_2110 });
            // The entity of a 2110 AAA is the member the benefit belongs to.
            let member = if dependent {
                r.dependents.last_mut()
            } else {
                r.subscriber.as_mut()
            };
            if let Some(m) = member {
                m.aaa_errors.push(e.clone());
            }
            r.errors.push(e);
        }
        _ => return false,
    }
    if odd.is_none() && in_2120 && matches!(seg.tag, "REF" | "DTP" | "HSD" | "MSG" | "III" | "AAA")
    {
        odd = Some((
            "response::271::ls_le_misplaced",
            format!(
                "Segment `{}` inside the `LS`/`LE` of {loop_2120} belongs to {loop_2110}; it was mapped to its benefit.",
                seg.tag
            ),
        ));
    }
    if let Some((code, text)) = odd {
        w.warn_at(code, text, seg, 0);
    }
    true
}

/// A 2110 REF into `benefitsAdditionalInformation`; a warning when it could not be mapped.
fn benefit_ref<'a>(b: &mut Benefit<'a>, seg: &Seg<'a>) -> Option<String> {
    let (Some(q), Some(v)) = (seg.element(1), seg.element(2)) else {
        return None;
    };
    let Some((order, key)) = field(codes::BENEFIT_REF_FIELDS, q) else {
        return Some(
            "REF01 qualifier has no field in benefitsAdditionalInformation; the REF was not mapped."
                .to_owned(),
        );
    };
    if !b
        .benefits_additional_information
        .insert(order * 2, key, Cow::Borrowed(v))
    {
        return Some(format!(
            "A second REF for `{key}` in one benefit was not mapped (the first is kept)."
        ));
    }
    if let (Some(d), Some((_, dk))) = (seg.element(3), field(codes::BENEFIT_REF_DESCRIPTIONS, q)) {
        b.benefits_additional_information
            .insert(order * 2 + 1, dk, Cow::Borrowed(d));
    }
    None
}

/// A 2110 DTP into `benefitsDateInformation`; a warning when it could not be mapped.
fn benefit_date<'a>(b: &mut Benefit<'a>, seg: &Seg<'a>) -> Option<String> {
    let (Some(q), Some(v)) = (seg.element(1), seg.element(3)) else {
        return None;
    };
    let Some((order, key)) = field(codes::BENEFIT_DATE_FIELDS, q) else {
        return Some(
            "DTP01 qualifier has no field in benefitsDateInformation; the date was not mapped."
                .to_owned(),
        );
    };
    if codes::BENEFIT_DATE_LISTS.contains(&q) {
        b.benefits_date_information
            .push_date(order, key, period(seg.element(2), v));
        return None;
    }
    if b.benefits_date_information
        .insert(order, key, Cow::Borrowed(v))
    {
        None
    } else {
        Some(format!(
            "A second DTP for `{key}` in one benefit was not mapped (the first is kept)."
        ))
    }
}

/// DTP03 as `{date}`, or `{startDate, endDate}` when DTP02 is `RD8`.
fn period<'a>(format: Option<&str>, value: &'a str) -> DatePeriod<'a> {
    match (format, value.split_once('-')) {
        (Some("RD8"), Some((start, end))) => DatePeriod {
            date: None,
            start_date: Some(Cow::Borrowed(start)).filter(|s| !s.is_empty()),
            end_date: Some(Cow::Borrowed(end)).filter(|s| !s.is_empty()),
        },
        _ => DatePeriod {
            date: Some(Cow::Borrowed(value)),
            ..DatePeriod::default()
        },
    }
}

fn eb<'a>(seg: &Seg<'a>) -> (Benefit<'a>, Option<PlanStatus<'a>>) {
    let code = seg.element(1);
    // EB03 is split (and its names looked up) as the response is serialised.
    let service_type_codes =
        Repeats::new(seg.element(3).unwrap_or(""), seg.delimiters().repetition);
    let service_types = ServiceTypeNames(service_type_codes);
    let procedure = procedure(seg);
    let status = code.filter(|c| is_status(c)).map(|c| PlanStatus {
        status_code: Cow::Borrowed(c),
        status: codes::name(codes::ELIGIBILITY_CODES, c),
        plan_details: text(seg, 5),
        service_type_codes,
    });
    let b = Benefit {
        code: code.map(Cow::Borrowed),
        name: code.and_then(|c| codes::name(codes::ELIGIBILITY_CODES, c)),
        coverage_level_code: text(seg, 2),
        coverage_level: seg
            .element(2)
            .and_then(|c| codes::name(codes::COVERAGE_LEVELS, c)),
        service_type_codes,
        service_types,
        insurance_type_code: text(seg, 4),
        insurance_type: seg
            .element(4)
            .and_then(|c| codes::name(codes::INSURANCE_TYPES, c)),
        plan_coverage: text(seg, 5),
        time_qualifier_code: text(seg, 6),
        time_qualifier: seg
            .element(6)
            .and_then(|c| codes::name(codes::TIME_PERIODS, c)),
        benefit_amount: seg.element(7).map(decimal),
        benefit_percent: seg.element(8).map(decimal),
        quantity_qualifier_code: text(seg, 9),
        quantity_qualifier: seg
            .element(9)
            .and_then(|c| codes::name(codes::QUANTITY_QUALIFIERS, c)),
        benefit_quantity: seg.element(10).map(decimal),
        auth_or_cert_indicator: text(seg, 11),
        in_plan_network_indicator_code: text(seg, 12),
        in_plan_network_indicator: seg
            .element(12)
            .and_then(|c| codes::name(codes::NETWORK_INDICATORS, c)),
        composite_medical_procedure_identifier: procedure.map(Box::new),
        ..Benefit::default()
    };
    (b, status)
}

fn procedure<'a>(seg: &Seg<'a>) -> Option<Procedure<'a>> {
    let pointers: Vec<Cow<'a, str>> = seg
        .components(14)
        .filter(|c| !c.is_empty())
        .map(Cow::Borrowed)
        .collect();
    if seg.element(13).is_none() && pointers.is_empty() {
        return None;
    }
    let qualifier = seg.component(13, 1);
    Some(Procedure {
        product_or_service_id_qualifier_code: qualifier.map(Cow::Borrowed),
        product_or_service_id_qualifier: qualifier
            .and_then(|q| codes::name(codes::PRODUCT_SERVICE_QUALIFIERS, q)),
        procedure_code: seg.component(13, 2).map(Cow::Borrowed),
        procedure_modifiers: (3..=6)
            .filter_map(|k| seg.component(13, k))
            .map(Cow::Borrowed)
            .collect(),
        product_or_service_id: seg.component(13, 8).map(Cow::Borrowed),
        diagnosis_code_pointer: pointers,
    })
}

fn hsd<'a>(seg: &Seg<'a>) -> ServiceDelivery<'a> {
    ServiceDelivery {
        quantity_qualifier_code: text(seg, 1),
        quantity_qualifier: seg
            .element(1)
            .and_then(|c| codes::name(codes::HSD_QUANTITY_QUALIFIERS, c)),
        quantity: seg.element(2).map(decimal),
        unit_for_measurement_qualifier_code: text(seg, 3),
        unit_for_measurement_qualifier: seg
            .element(3)
            .and_then(|c| codes::name(codes::HSD_UNITS, c)),
        sample_selection_modulus: seg.element(4).map(decimal),
        time_period_qualifier_code: text(seg, 5),
        time_period_qualifier: seg
            .element(5)
            .and_then(|c| codes::name(codes::HSD_TIME_PERIODS, c)),
        num_of_periods: seg.element(6).map(decimal),
        delivery_or_calendar_pattern_qualifier_code: text(seg, 7),
        delivery_or_calendar_pattern_qualifier: seg
            .element(7)
            .and_then(|c| codes::name(codes::HSD_CALENDAR_PATTERNS, c)),
        delivery_pattern_time_qualifier_code: text(seg, 8),
        delivery_pattern_time_qualifier: seg
            .element(8)
            .and_then(|c| codes::name(codes::HSD_TIME_PATTERNS, c)),
    }
}

/// III as the anchors print it now (contract 4.11): codes in the code fields, names beside them.
fn iii<'a>(seg: &Seg<'a>) -> AdditionalIdentification<'a> {
    let qualifier = seg.element(1);
    let industry = seg.element(2);
    AdditionalIdentification {
        code_list_qualifier_code: text(seg, 1),
        code_list_qualifier: qualifier
            .and_then(|q| codes::name(codes::CODE_LIST_QUALIFIERS, q))
            .map(Cow::Borrowed),
        industry_code: text(seg, 2),
        // Only `ZZ` (place of service) has a code list we can name.
        industry: industry
            .filter(|_| qualifier == Some("ZZ"))
            .and_then(|c| codes::name(codes::PLACES_OF_SERVICE, c))
            .map(Cow::Borrowed),
        code_category: text(seg, 3),
        injured_body_part_name: text(seg, 4),
    }
}

fn related_entity<'a>(seg: &Seg<'a>) -> RelatedEntity<'a> {
    RelatedEntity {
        entity_identifier: seg
            .element(1)
            .map(|c| name_or_code(codes::ENTITY_IDENTIFIERS, c)),
        entity_type: seg.element(2).map(|c| name_or_code(codes::ENTITY_TYPES, c)),
        entity_name: text(seg, 3),
        entity_firstname: text(seg, 4),
        entity_middlename: text(seg, 5),
        entity_suffix: text(seg, 7),
        entity_identification: text(seg, 8),
        entity_identification_value: text(seg, 9),
        entity_relationship: text(seg, 10),
        ..RelatedEntity::default()
    }
}

fn entity_detail<'a>(e: &mut RelatedEntity<'a>, seg: &Seg<'a>) {
    match seg.tag {
        "N3" | "N4" => address(&mut e.address, seg),
        "PER" => contact(&mut e.contact_information, seg),
        _ => {
            e.provider_information = Some(ProviderInformation {
                provider_code: text(seg, 1),
                reference_identification: text(seg, 3),
            });
        }
    }
}

/// Fills the deprecated single-value twins (`benefitsRelatedEntity`, `eligibilityAdditionalInformation`)
/// from the first item of their lists, as the anchors still do.
pub fn finish(b: &mut Benefit<'_>) {
    b.benefits_related_entity = b.benefits_related_entities.first().cloned().map(Box::new);
    b.eligibility_additional_information =
        b.eligibility_additional_information_list.first().cloned();
}
