//! EB and its 2110/2115/2120 segments: one `benefitsInformation` entry per EB, in 271 order.

use std::borrow::Cow;

use super::entity::{aaa, address, contact};
use super::text::{decimal, name_or_code};
use super::{Level, Walk};
use crate::eligibility::codes::{self, field};
use crate::eligibility::model::{
    AdditionalIdentification, AdditionalInformation, Benefit, PlanStatus, Procedure,
    ProviderInformation, RelatedEntity, ServiceDelivery,
};
use crate::x12::Segment;

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

fn text<'a>(seg: &Segment<'a>, n: usize) -> Option<Cow<'a, str>> {
    seg.element(n).map(Cow::Borrowed)
}

/// EB01 codes that describe the plan's status (active or inactive) and so get a `planStatus` entry.
fn is_status(code: &str) -> bool {
    matches!(code, "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8")
}

/// Takes `seg` when it belongs to the benefit loops; returns whether it did.
pub fn takes<'a>(w: &mut Walk<'a, '_>, seg: &Segment<'a>) -> bool {
    if seg.tag == "EB" {
        w.benefit = State {
            active: true,
            in_2120: false,
        };
        let (benefit, status) = eb(seg);
        if let Some(r) = w.current.as_mut() {
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
    let mut stray = None;
    {
        let Some(r) = w.current.as_mut() else {
            return false;
        };
        let Some(b) = r.benefits_information.last_mut() else {
            return false;
        };
        match (seg.tag, in_2120) {
            ("LS", _) => {
                b.header_loop_identifier_code = text(seg, 1);
                w.benefit.in_2120 = true;
            }
            ("LE", _) => {
                b.trailer_loop_identifier_code = text(seg, 1);
                w.benefit.in_2120 = false;
            }
            ("NM1", true) => b.benefits_related_entities.push(related_entity(seg)),
            ("N3" | "N4" | "PER" | "PRV", true) => {
                if let Some(e) = b.benefits_related_entities.last_mut() {
                    entity_detail(e, seg);
                } else {
                    stray = Some(format!(
                        "Segment `{}` in loop 2120 before its NM1 was ignored.",
                        seg.tag
                    ));
                }
            }
            ("HSD", _) => b.benefits_service_delivery.push(hsd(seg)),
            ("MSG", _) => {
                if let Some(m) = seg.raw_element(1).filter(|m| !m.is_empty()) {
                    b.additional_information.push(AdditionalInformation {
                        description: Cow::Borrowed(m),
                    });
                }
            }
            ("III", _) => b.eligibility_additional_information_list.push(iii(seg)),
            ("REF", _) => {
                if !benefit_ref(b, seg) {
                    stray = Some(format!(
                        "REF01 qualifier in {loop_2110} has no field in benefitsAdditionalInformation; the REF was not mapped."
                    ));
                } else if in_2120 {
                    stray = Some(format!(
                        "REF inside the LS/LE loop of {loop_2120} was mapped to its benefit."
                    ));
                }
            }
            ("DTP", _) => {
                if !benefit_date(b, seg) {
                    stray = Some(format!(
                        "DTP01 qualifier in {loop_2110} has no field in benefitsDateInformation; the date was not mapped."
                    ));
                } else if in_2120 {
                    stray = Some(format!(
                        "DTP inside the LS/LE loop of {loop_2120} was mapped to its benefit."
                    ));
                }
            }
            ("AAA", _) => {
                let e = aaa(seg, if in_2120 { loop_2120 } else { loop_2110 });
                r.errors.push(e);
            }
            _ => return false,
        }
    }
    if let Some(msg) = stray {
        w.warn_at("response::271::benefit_segment", msg, seg, 0);
    }
    true
}

/// A 2110 REF into `benefitsAdditionalInformation`; false when its qualifier has no field.
fn benefit_ref<'a>(b: &mut Benefit<'a>, seg: &Segment<'a>) -> bool {
    let (Some(q), Some(v)) = (seg.element(1), seg.element(2)) else {
        return true;
    };
    let Some((order, key)) = field(codes::BENEFIT_REF_FIELDS, q) else {
        return false;
    };
    b.benefits_additional_information
        .insert(order * 2, key, Cow::Borrowed(v));
    if let (Some(d), Some((_, dk))) = (seg.element(3), field(codes::BENEFIT_REF_DESCRIPTIONS, q)) {
        b.benefits_additional_information
            .insert(order * 2 + 1, dk, Cow::Borrowed(d));
    }
    true
}

/// A 2110 DTP into `benefitsDateInformation`; false when its qualifier has no field.
fn benefit_date<'a>(b: &mut Benefit<'a>, seg: &Segment<'a>) -> bool {
    let (Some(q), Some(v)) = (seg.element(1), seg.element(3)) else {
        return true;
    };
    match field(codes::BENEFIT_DATE_FIELDS, q) {
        Some((order, key)) => {
            b.benefits_date_information
                .insert(order, key, Cow::Borrowed(v));
            true
        }
        None if matches!(q, "096" | "435") => {
            let key = if q == "096" { "discharge" } else { "admission" };
            b.benefits_date_information.insert(0, key, Cow::Borrowed(v));
            true
        }
        None => false,
    }
}

fn eb<'a>(seg: &Segment<'a>) -> (Benefit<'a>, Option<PlanStatus<'a>>) {
    let code = seg.element(1);
    let service_type_codes: Vec<Cow<'a, str>> = seg.repeats(3).map(Cow::Borrowed).collect();
    let service_types = seg
        .repeats(3)
        .filter_map(|c| codes::name(codes::SERVICE_TYPES, c))
        .collect();
    let procedure = procedure(seg);
    let status = code.filter(|c| is_status(c)).map(|c| PlanStatus {
        status_code: Cow::Borrowed(c),
        status: codes::name(codes::ELIGIBILITY_CODES, c),
        plan_details: text(seg, 5),
        service_type_codes: service_type_codes.clone(),
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
        composite_medical_procedure_identifier: procedure,
        ..Benefit::default()
    };
    (b, status)
}

fn procedure<'a>(seg: &Segment<'a>) -> Option<Procedure<'a>> {
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

fn hsd<'a>(seg: &Segment<'a>) -> ServiceDelivery<'a> {
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

/// III as Change (and Stedi 2024) print it: names in the code fields where the code is known.
fn iii<'a>(seg: &Segment<'a>) -> AdditionalIdentification<'a> {
    let qualifier = seg.element(1);
    AdditionalIdentification {
        code_list_qualifier_code: qualifier.map(|q| name_or_code(codes::CODE_LIST_QUALIFIERS, q)),
        industry_code: seg.element(2).map(|c| {
            if qualifier == Some("ZZ") {
                name_or_code(codes::PLACES_OF_SERVICE, c)
            } else {
                Cow::Borrowed(c)
            }
        }),
        code_category: text(seg, 3),
        injured_body_part_name: text(seg, 4),
    }
}

fn related_entity<'a>(seg: &Segment<'a>) -> RelatedEntity<'a> {
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

fn entity_detail<'a>(e: &mut RelatedEntity<'a>, seg: &Segment<'a>) {
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
    b.benefits_related_entity = b.benefits_related_entities.first().cloned();
    b.eligibility_additional_information =
        b.eligibility_additional_information_list.first().cloned();
}
