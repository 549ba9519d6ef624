//! Payer (2000A/2100A), provider (2100B) and member (2000C/D, 2100C/D) segments.

use std::borrow::Cow;

use super::text::name_or_code;
use super::{Level, Walk};
use crate::eligibility::codes::{self, field};
use crate::eligibility::model::{
    AaaError, Address, Contact, ContactInformation, DiagnosisCode, Member, Payer, PlanInformation,
    Provider, TraceNumber,
};
use crate::x12::CutSegment as Seg;

fn text<'a>(seg: &Seg<'a>, n: usize) -> Option<Cow<'a, str>> {
    seg.element(n).map(Cow::Borrowed)
}

/// An AAA as the anchors print it, with `location` and advice.
pub fn aaa<'a>(seg: &Seg<'a>, location: &'static str) -> AaaError<'a> {
    let code = seg.element(3);
    AaaError {
        field: "AAA",
        code: code.map(Cow::Borrowed),
        description: code.and_then(|c| codes::name(codes::REJECT_REASONS, c)),
        followup_action: seg
            .element(4)
            .map(|a| name_or_code(codes::FOLLOWUP_ACTIONS, a)),
        location: Some(Cow::Borrowed(location)),
        possible_resolutions: code.and_then(advice),
    }
}

/// Clearinghouse advice for the reject reasons clients meet most.
fn advice(code: &str) -> Option<&'static str> {
    Some(match code {
        "42" | "80" => "The payer could not answer at this time. Retry the request later.",
        "79" => {
            "The payer did not accept the participant identification. Check the payer ID and your enrollment with the payer, then retry."
        }
        "41" => {
            "The provider is not authorised to request eligibility from this payer. Check your enrollment with the payer."
        }
        "43" | "44" | "45" | "46" | "47" | "97" => {
            "Correct the provider's name, NPI or other identification in loop 2100B and resubmit."
        }
        "50" | "51" => {
            "The provider is not eligible for inquiries or not on file with the payer. Check the provider's enrollment with the payer."
        }
        "56" | "57" | "62" | "63" => {
            "Check the date of service (DTP*291): payers accept dates from about 12 months back to the end of the current month."
        }
        "58" | "60" | "71" => {
            "Check the patient's date of birth (DMG02) against the member's card."
        }
        "64" | "65" | "66" | "67" | "72" | "73" | "74" | "75" | "76" | "77" | "78" => {
            "Check the member ID, name and date of birth against the member's card. Send member ID, first name, last name and date of birth for the best match."
        }
        "15" | "33" => {
            "The payer found required data missing or invalid. Correct the request and resubmit."
        }
        _ => return None,
    })
}

fn address_mut<'x, 'a>(slot: &'x mut Option<Address<'a>>) -> &'x mut Address<'a> {
    slot.get_or_insert_with(Address::default)
}

/// N3/N4 into an address.
pub fn address<'a>(slot: &mut Option<Address<'a>>, seg: &Seg<'a>) {
    let a = address_mut(slot);
    if seg.tag == "N3" {
        a.address1 = text(seg, 1);
        a.address2 = text(seg, 2);
    } else {
        a.city = text(seg, 1);
        a.state = text(seg, 2);
        a.postal_code = text(seg, 3);
        a.country_code = text(seg, 4);
        a.location_identifier = text(seg, 6);
        a.country_sub_division_code = text(seg, 7);
    }
}

/// PER into contact information; several PER segments add contacts to one object.
pub fn contact<'a>(slot: &mut Option<ContactInformation<'a>>, seg: &Seg<'a>) {
    let c = slot.get_or_insert_with(ContactInformation::default);
    if c.name.is_none() {
        c.name = text(seg, 2);
    }
    for (q, n) in [(3, 4), (5, 6), (7, 8)] {
        if let Some(mode) = seg.element(q) {
            c.contacts.push(Contact {
                communication_mode: name_or_code(codes::COMMUNICATION_MODES, mode),
                communication_number: text(seg, n),
            });
        }
    }
}

/// REF into `planInformation` (and its description field for 18, 6P, N6).
pub fn plan_information<'a>(
    info: &mut PlanInformation<'a>,
    qualifier: &str,
    value: &'a str,
    description: Option<&'a str>,
) -> bool {
    let Some((order, key)) = field(codes::PLAN_INFORMATION_FIELDS, qualifier) else {
        return false;
    };
    info.insert(order * 2, key, Cow::Borrowed(value));
    if let (Some(d), Some((_, dkey))) = (
        description,
        field(codes::PLAN_INFORMATION_DESCRIPTIONS, qualifier),
    ) {
        info.insert(order * 2 + 1, dkey, Cow::Borrowed(d));
    }
    true
}

/// 2000A and 2100A.
pub fn source_segment<'a>(w: &mut Walk<'a, '_>, seg: &Seg<'a>) {
    match seg.tag {
        "NM1" => {
            w.payer_named = true;
            let p = w.payer.get_or_insert_with(Payer::default);
            p.entity_identifier = seg
                .element(1)
                .map(|c| name_or_code(codes::ENTITY_IDENTIFIERS, c));
            p.entity_type = seg.element(2).map(|c| name_or_code(codes::ENTITY_TYPES, c));
            p.last_name = text(seg, 3);
            p.name = text(seg, 3);
            p.first_name = text(seg, 4);
            p.middle_name = text(seg, 5);
            p.suffix = text(seg, 7);
            let id = text(seg, 9);
            match seg.element(8) {
                Some("24") => p.employers_id = id,
                Some("FI") => p.federal_taxpayers_id_number = id,
                Some("NI") => p.naic = id,
                Some("XX") => p.npi = id,
                Some("XV") => p.centers_for_medicare_and_medicaid_plan_id = id,
                Some("PI") => p.payor_identification = id,
                Some(_) => w.warn_at("response::271::unknown_qualifier", "NM108 in loop 2100A is not a payer identification qualifier; NM109 was not mapped.".into(), seg, 8),
                None => {}
            }
        }
        "PER" => contact(
            &mut w
                .payer
                .get_or_insert_with(Payer::default)
                .contact_information,
            seg,
        ),
        "AAA" => {
            let e = aaa(seg, w.location());
            w.payer
                .get_or_insert_with(Payer::default)
                .aaa_errors
                .push(e.clone());
            w.upper_errors.push(e);
        }
        _ => w.warn_at(
            "response::271::unexpected_segment",
            format!(
                "Segment `{}` is not expected in loop 2100A and was ignored.",
                seg.tag
            ),
            seg,
            0,
        ),
    }
}

fn provider_name<'a>(p: &mut Provider<'a>, seg: &Seg<'a>) {
    p.provider_name = text(seg, 3);
    p.provider_first_name = text(seg, 4);
    p.middle_name = text(seg, 5);
    p.suffix = text(seg, 7);
    p.entity_identifier = seg
        .element(1)
        .map(|c| name_or_code(codes::ENTITY_IDENTIFIERS, c));
    p.entity_type = seg.element(2).map(|c| name_or_code(codes::ENTITY_TYPES, c));
    let id = text(seg, 9);
    match seg.element(8) {
        Some("XX") => p.npi = id,
        Some("24") => p.employers_id = id,
        Some("34") => p.ssn = id,
        Some("FI") => p.federal_taxpayers_id_number = id,
        Some("PI") => p.payor_identification = id,
        Some("PP") => p.pharmacy_processor_number = id,
        Some("SV") => p.service_provider_number = id,
        Some("XV") => p.services_plan_id = id,
        _ => {}
    }
}

/// 2100B.
pub fn receiver_segment<'a>(w: &mut Walk<'a, '_>, seg: &Seg<'a>) {
    match seg.tag {
        "NM1" => provider_name(w.provider.get_or_insert_with(Provider::default), seg),
        "REF" => {
            if let (Some(q), Some(v)) = (seg.element(1), seg.element(2)) {
                w.provider_refs.push((q, v));
            }
        }
        "N3" | "N4" => address(
            &mut w.provider.get_or_insert_with(Provider::default).address,
            seg,
        ),
        "PRV" => {
            let p = w.provider.get_or_insert_with(Provider::default);
            p.provider_code = text(seg, 1);
            p.reference_identification = text(seg, 3);
        }
        "AAA" => {
            let e = aaa(seg, "Loop 2100B");
            w.provider
                .get_or_insert_with(Provider::default)
                .aaa_errors
                .push(e.clone());
            w.upper_errors.push(e);
        }
        _ => w.warn_at(
            "response::271::unexpected_segment",
            format!(
                "Segment `{}` is not expected in loop 2100B and was ignored.",
                seg.tag
            ),
            seg,
            0,
        ),
    }
}

/// 2000C/2100C and 2000D/2100D, before the first EB.
pub fn member_segment<'a>(w: &mut Walk<'a, '_>, seg: &Seg<'a>) {
    let dependent = w.level == Level::Dependent;
    let location = if dependent {
        "Loop 2100D"
    } else {
        "Loop 2100C"
    };
    let here = w.location();
    let Some(r) = w.current.as_mut() else {
        return;
    };
    let member = if dependent {
        r.dependents.last_mut()
    } else {
        Some(r.subscriber.get_or_insert_with(Member::default))
    };
    let Some(m) = member else {
        return;
    };
    match seg.tag {
        "TRN" => r.subscriber_trace_numbers.push(TraceNumber {
            trace_type_code: text(seg, 1),
            trace_type: seg
                .element(1)
                .and_then(|c| codes::name(codes::TRACE_TYPES, c)),
            reference_identification: text(seg, 2),
            originating_company_identifier: text(seg, 3),
            secondary_reference_identification: text(seg, 4),
        }),
        "NM1" => {
            m.entity_identifier = seg
                .element(1)
                .map(|c| name_or_code(codes::ENTITY_IDENTIFIERS, c));
            m.entity_type = seg.element(2).map(|c| name_or_code(codes::ENTITY_TYPES, c));
            m.last_name = text(seg, 3);
            m.first_name = text(seg, 4);
            m.middle_name = text(seg, 5);
            m.suffix = text(seg, 7);
            match seg.element(8) {
                Some("II") => m.unique_health_identifier = text(seg, 9),
                _ => m.member_id = text(seg, 9),
            }
        }
        "REF" => {
            if !member_ref(m, &mut r.plan_information, seg) {
                let text = format!(
                    "REF01 qualifier in {location} has no field in planInformation; the REF was not mapped."
                );
                r.warnings
                    .push(super::warning("response::271::unknown_qualifier", text));
            }
        }
        "N3" | "N4" => address(&mut m.address, seg),
        "PRV" => {
            let p = m.response_provider.get_or_insert_with(Box::default);
            p.provider_code = text(seg, 1);
            p.reference_identification = text(seg, 3);
        }
        "DMG" => {
            m.date_of_birth = text(seg, 2);
            m.gender = text(seg, 3);
        }
        "INS" => {
            m.insured_indicator = text(seg, 1);
            m.relation_to_subscriber_code = text(seg, 2);
            m.relation_to_subscriber = seg
                .element(2)
                .and_then(|c| codes::name(codes::RELATIONSHIPS, c))
                .map(Cow::Borrowed);
            m.maintenance_type_code = text(seg, 3);
            m.maintenance_reason_code = text(seg, 4);
            m.birth_sequence_number = text(seg, 17);
        }
        "HI" => {
            for n in 1..=12 {
                if let Some(kind) = seg.component(n, 1) {
                    m.health_care_diagnosis_codes.push(DiagnosisCode {
                        diagnosis_type_code: Cow::Borrowed(kind),
                        diagnosis_code: seg.component(n, 2).map(Cow::Borrowed),
                    });
                }
            }
        }
        "DTP" => {
            if let (Some(q), Some(v)) = (seg.element(1), seg.element(3)) {
                match field(codes::PLAN_DATE_FIELDS, q) {
                    Some((order, key)) => {
                        if !r.plan_date_information.insert(order, key, Cow::Borrowed(v)) {
                            r.warnings.push(super::warning(
                                "response::271::unknown_qualifier",
                                format!("A second DTP for `{key}` in {location} was not mapped (subscriber and dependent dates share planDateInformation; the first is kept)."),
                            ));
                        }
                    }
                    None => r.warnings.push(super::warning(
                        "response::271::unknown_qualifier",
                        format!("DTP01 qualifier in {location} has no field in planDateInformation; the date was not mapped."),
                    )),
                }
            }
        }
        "MPI" => mpi(m, seg),
        "AAA" => {
            let e = aaa(seg, location);
            m.aaa_errors.push(e.clone());
            r.errors.push(e);
        }
        _ => {
            w.warn_at(
                "response::271::unexpected_segment",
                format!(
                    "Segment `{}` is not expected in {here} and was ignored.",
                    seg.tag
                ),
                seg,
                0,
            );
        }
    }
}

/// A member REF: named member fields for SY, 6P, 18, N6, and `planInformation` for every known
/// qualifier. Returns false when the qualifier has no field.
fn member_ref<'a>(m: &mut Member<'a>, info: &mut PlanInformation<'a>, seg: &Seg<'a>) -> bool {
    let (Some(q), Some(v)) = (seg.element(1), seg.element(2)) else {
        return true;
    };
    let d = seg.element(3);
    match q {
        "SY" => m.ssn = Some(Cow::Borrowed(v)),
        "6P" => {
            m.group_number = Some(Cow::Borrowed(v));
            m.group_description = d.map(Cow::Borrowed);
        }
        "18" => {
            m.plan_number = Some(Cow::Borrowed(v));
            m.plan_description = d.map(Cow::Borrowed);
        }
        "N6" => {
            m.plan_network_id_number = Some(Cow::Borrowed(v));
            m.plan_network_description = d.map(Cow::Borrowed);
        }
        _ => {}
    }
    plan_information(info, q, v, d)
}

/// MPI (military personnel information).
fn mpi<'a>(m: &mut Member<'a>, seg: &Seg<'a>) {
    m.information_status_code = text(seg, 1);
    m.employment_status_code = text(seg, 2);
    m.government_service_affiliation_code = text(seg, 3);
    m.description = text(seg, 4);
    m.military_service_rank_code = text(seg, 5);
    m.date_time_period_format_qualifier = text(seg, 6);
    match (seg.element(6), seg.element(7)) {
        (Some("RD8"), Some(range)) => {
            let (start, end) = range.split_once('-').unwrap_or((range, ""));
            m.start_date_time_period = Some(Cow::Borrowed(start)).filter(|s| !s.is_empty());
            m.end_date_time_period = Some(Cow::Borrowed(end)).filter(|s| !s.is_empty());
        }
        (_, value) => m.date_time_period = value.map(Cow::Borrowed),
    }
}
