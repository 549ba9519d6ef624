//! The 270 for a checked request, written with the crate's X12 writer and laid out as
//! `json-endpoint.md` §3 says: the patient is the dependent when one is sent (dates and EQ go to
//! 2100D/2110D), X279's segment order inside each loop, one EQ per service type code.
#![allow(
    clippy::ref_option,
    reason = "helpers take each field as the model holds it, `&Option<Field<T>>`"
)]

use super::check::PROVIDER_TYPES;
use super::{
    AdditionalIdentification, Address, EligibilityRequest, Encounter, Field,
    InformationReceiverName, List, Person, Provider, Text,
};
pub use crate::json_request::Envelope;
use crate::json_request::interchange::{self, SetKind};
use crate::json_request::{items, val};
use crate::x12::date::Stamp;
use crate::x12::{Delimiters, Writer};

/// A REF source: JSON property, REF01, the field.
pub type RefField<'a> = (&'static str, &'static str, &'a Text);

fn present(all: Vec<RefField<'_>>) -> Vec<RefField<'_>> {
    all.into_iter().filter(|(_, _, v)| v.is_some()).collect()
}

/// Stedi's 2100B identifiers on `provider` that are sent.
pub fn provider_refs(p: &Provider) -> Vec<RefField<'_>> {
    present(vec![
        ("stateLicenceNumber", "0B", &p.state_licence_number),
        ("medicareProviderNumber", "1C", &p.medicare_provider_number),
        ("medicaidProviderNumber", "1D", &p.medicaid_provider_number),
        ("facilityIdNumber", "1J", &p.facility_id_number),
        ("contractNumber", "CT", &p.contract_number),
        ("contactNumber", "CT", &p.contact_number),
        ("devicePinNumber", "EL", &p.device_pin_number),
        ("submitterIdNumber", "EO", &p.submitter_id_number),
        (
            "providerPlanNetworkIdNumber",
            "N5",
            &p.provider_plan_network_id_number,
        ),
        (
            "facilityNetworkIdNumber",
            "N7",
            &p.facility_network_id_number,
        ),
        ("priorIdentifierNumber", "Q4", &p.prior_identifier_number),
    ])
}

/// Change's 2100B identifiers on `informationReceiverName` that are sent.
pub fn receiver_name_refs(r: &InformationReceiverName) -> Vec<RefField<'_>> {
    present(vec![
        ("stateLicenceNumber", "0B", &r.state_licence_number),
        ("medicareProviderNumber", "1C", &r.medicare_provider_number),
        ("medicaidProviderNumber", "1D", &r.medicaid_provider_number),
        ("facilityIdNumber", "1J", &r.facility_id_number),
        ("contractNumber", "CT", &r.contract_number),
        ("contactNumber", "CT", &r.contact_number),
        ("devicePinNumber", "EL", &r.device_pin_number),
        ("submitterIdNumber", "EO", &r.submitter_id_number),
        (
            "nationalProviderIdentifier",
            "HPI",
            &r.national_provider_identifier,
        ),
        (
            "providerPlanNetworkIdNumber",
            "N5",
            &r.provider_plan_network_id_number,
        ),
        (
            "facilityNetworkIdNumber",
            "N7",
            &r.facility_network_id_number,
        ),
        ("priorIdentifierNumber", "Q4", &r.prior_identifier_number),
        ("socialSecurityNumber", "SY", &r.social_security_number),
        (
            "federalTaxpayerIdentificationNumber",
            "TJ",
            &r.federal_taxpayer_identification_number,
        ),
    ])
}

/// 2100C/D identifiers on the person that are sent (`memberId` aside).
pub fn person_refs(p: &Person, dependent: bool) -> Vec<RefField<'_>> {
    let mut all = vec![
        ("ssn", "SY", &p.ssn),
        ("groupNumber", "6P", &p.group_number),
        ("idCard", "HJ", &p.id_card),
    ];
    if dependent {
        all.push(("issueNumber", "IF", &p.issue_number));
        all.push(("eligibilityCategory", "MRC", &p.eligibility_category));
    } else {
        all.push(("caseNumber", "3H", &p.case_number));
        all.push((
            "medicaidRecipientIdentificationNumber",
            "NQ",
            &p.medicaid_recipient_identification_number,
        ));
    }
    present(all)
}

/// `additionalIdentification` identifiers that are sent.
pub fn additional_refs(a: &AdditionalIdentification) -> Vec<RefField<'_>> {
    present(vec![
        ("planNumber", "18", &a.plan_number),
        ("policyNumber", "1L", &a.policy_number),
        (
            "memberIdentificationNumber",
            "1W",
            &a.member_identification_number,
        ),
        ("contractNumber", "CT", &a.contract_number),
        (
            "medicalRecordIdentificationNumber",
            "EA",
            &a.medical_record_identification_number,
        ),
        ("patientAccountNumber", "EJ", &a.patient_account_number),
        (
            "healthInsuranceClaimNumber",
            "F6",
            &a.health_insurance_claim_number,
        ),
        (
            "identificationCardSerialNumber",
            "GH",
            &a.identification_card_serial_number,
        ),
        ("insurancePolicyNumber", "IG", &a.insurance_policy_number),
        (
            "planNetworkIdentificationNumber",
            "N6",
            &a.plan_network_identification_number,
        ),
        ("agencyClaimNumber", "Y4", &a.agency_claim_number),
    ])
}

/// The provider's NM108/NM109: the first identifier sent, NPI first (Change's own sample sends
/// NPI and SV and carries only `XX`).
pub fn provider_id(p: &Provider) -> Option<(&'static str, &str)> {
    [
        ("XX", &p.npi),
        ("FI", &p.tax_id),
        ("SV", &p.service_provider_number),
        ("PI", &p.payor_id),
        ("PP", &p.pharmacy_processor_number),
        ("XV", &p.services_plan_id),
        ("24", &p.employers_id),
        ("34", &p.ssn),
    ]
    .into_iter()
    .find_map(|(q, f)| val(f).map(|v| (q, v)))
}

/// Every 2100B REF, one per qualifier: `provider` first, then `informationReceiverName`, then a
/// tax ID or SSN that lost NM108 to another identifier, then the portal credentials.
pub fn receiver_refs(req: &EligibilityRequest) -> Vec<(&'static str, &str)> {
    fn add<'v>(out: &mut Vec<(&'static str, &'v str)>, q: &'static str, v: Option<&'v str>) {
        if let Some(v) = v
            && !out.iter().any(|(have, _)| *have == q)
        {
            out.push((q, v));
        }
    }
    let provider = req.provider.as_ref().and_then(Field::given);
    let irn = req
        .information_receiver_name
        .as_ref()
        .and_then(Field::given);
    let mut out: Vec<(&'static str, &str)> = Vec::new();
    for (_, q, f) in provider.map(provider_refs).unwrap_or_default() {
        add(&mut out, q, val(f));
    }
    for (_, q, f) in irn.map(receiver_name_refs).unwrap_or_default() {
        add(&mut out, q, val(f));
    }
    if let Some(p) = provider {
        let winner = provider_id(p).map(|(q, _)| q);
        if winner != Some("FI") {
            add(&mut out, "TJ", val(&p.tax_id));
        }
        if winner != Some("34") {
            add(&mut out, "SY", val(&p.ssn));
        }
    }
    add(&mut out, "4A", val(&req.portal_password));
    add(&mut out, "JD", val(&req.portal_username));
    out
}

/// The 270 in its envelope.
const X279A1: SetKind = SetKind {
    functional_id: "HS",
    id: "270",
    version: "005010X279A1",
};

/// Writes the 270 for `req`, which [`super::check`] passed. `control_number` is the 9-digit ISA13
/// (also GS06, ST02 and the trace number); `now` stamps the envelope.
pub fn build(
    req: &EligibilityRequest,
    env: &Envelope,
    control_number: &str,
    now: &Stamp,
) -> String {
    let mut w = Writer::with_capacity(Delimiters::default(), 1024);
    let group = interchange::open(&mut w, env, X279A1, control_number, now);
    let (date, time) = (now.ccyymmdd(), now.hhmm());
    let bht03 = val(&req.submitter_transaction_identifier).unwrap_or(control_number);
    w.segment("BHT", &["0022", "13", bht03, &date, &time]);

    // 2000A/2100A: the payer.
    let payer_id = val(&req.trading_partner_service_id).unwrap_or_default();
    let payer_name = env.payer_name(val(&req.trading_partner_name), payer_id);
    w.segment("HL", &["1", "", "20", "1"]);
    w.segment(
        "NM1",
        &["PR", "2", payer_name, "", "", "", "", "PI", payer_id],
    );

    // 2000B/2100B: the provider.
    w.segment("HL", &["2", "1", "21", "1"]);
    receiver(&mut w, req);

    // 2000C/2100C: the subscriber; 2000D/2100D: the dependent, who is then the patient.
    let dependent = req
        .dependents
        .as_ref()
        .and_then(Field::given)
        .and_then(|d| d.first())
        .and_then(Field::given);
    let encounter = req.encounter.as_ref().and_then(Field::given);
    let subscriber = req.subscriber.as_ref().and_then(Field::given);
    let trace = [
        "1",
        val(&req.control_number).unwrap_or(control_number),
        env.trace_originator.as_str(),
    ];
    w.segment(
        "HL",
        &["3", "2", "22", if dependent.is_some() { "1" } else { "0" }],
    );
    w.segment("TRN", &trace);
    let empty = Person::default();
    let s = subscriber.unwrap_or(&empty);
    let sub_patient = dependent.is_none();
    let member_id = val(&s.member_id);
    let id_q = if member_id.is_some() { "MI" } else { "" };
    w.segment(
        "NM1",
        &[
            "IL",
            "1",
            val(&s.last_name).unwrap_or_default(),
            val(&s.first_name).unwrap_or_default(),
            val(&s.middle_name).unwrap_or_default(),
            "",
            val(&s.suffix).unwrap_or_default(),
            id_q,
            member_id.unwrap_or_default(),
        ],
    );
    person_body(&mut w, s, false, sub_patient.then_some(encounter).flatten());
    if sub_patient {
        inquiries(&mut w, encounter, Some(s));
    }
    if let Some(d) = dependent {
        w.segment("HL", &["4", "3", "23", "0"]);
        w.segment("TRN", &trace);
        w.segment(
            "NM1",
            &[
                "03",
                "1",
                val(&d.last_name).unwrap_or_default(),
                val(&d.first_name).unwrap_or_default(),
                val(&d.middle_name).unwrap_or_default(),
                "",
                val(&d.suffix).unwrap_or_default(),
            ],
        );
        person_body(&mut w, d, true, encounter);
        inquiries(&mut w, encounter, None);
    }
    interchange::close(w, control_number, group)
}

/// 2100B: NM1, REF, N3/N4, PRV.
fn receiver(w: &mut Writer, req: &EligibilityRequest) {
    let provider = req.provider.as_ref().and_then(Field::given);
    if let Some(p) = provider {
        let nm101 = val(&p.provider_type)
            .and_then(|t| {
                PROVIDER_TYPES
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(t))
            })
            .map_or("1P", |(_, code)| *code);
        let (kind, last, first) = match val(&p.organization_name) {
            Some(org) => ("2", org, ""),
            None => (
                "1",
                val(&p.last_name).unwrap_or_default(),
                val(&p.first_name).unwrap_or_default(),
            ),
        };
        let (q, id) = provider_id(p).unwrap_or_default();
        w.segment("NM1", &[nm101, kind, last, first, "", "", "", q, id]);
        let state = val(&p.information_receiver_additional_identifier_state).or_else(|| {
            req.information_receiver_name
                .as_ref()
                .and_then(Field::given)
                .and_then(|r| val(&r.information_receiver_additional_identifier_state))
        });
        for (q, v) in receiver_refs(req) {
            let ref03 = if q == "0B" {
                state.unwrap_or_default()
            } else {
                ""
            };
            w.segment("REF", &[q, v, ref03]);
        }
        let address = p.address.as_ref().and_then(Field::given).or_else(|| {
            req.information_receiver_name
                .as_ref()
                .and_then(Field::given)
                .and_then(|r| r.address.as_ref())
                .and_then(Field::given)
        });
        write_address(w, address);
        if let Some(code) = val(&p.provider_code) {
            let taxonomy = val(&p.reference_identification);
            let prv02 = if taxonomy.is_some() { "PXC" } else { "" };
            w.segment(
                "PRV",
                &[
                    &code.to_ascii_uppercase(),
                    prv02,
                    taxonomy.unwrap_or_default(),
                ],
            );
        }
    }
}

fn write_address(w: &mut Writer, a: Option<&Address>) {
    let Some(a) = a else { return };
    w.segment(
        "N3",
        &[
            val(&a.address1).unwrap_or_default(),
            val(&a.address2).unwrap_or_default(),
        ],
    );
    let upper = |t: &Text| val(t).map(str::to_ascii_uppercase).unwrap_or_default();
    w.segment(
        "N4",
        &[
            val(&a.city).unwrap_or_default().to_owned(),
            upper(&a.state),
            val(&a.postal_code).unwrap_or_default().to_owned(),
            upper(&a.country_code),
            // N405/N406 (`locationIdentifier`) need a location qualifier JSON does not carry.
            String::new(),
            String::new(),
            upper(&a.country_sub_division_code),
        ],
    );
}

/// 2100C/D after NM1: REF, N3/N4, PRV, DMG, INS, HI, DTP (the encounter dates when this person is
/// the patient).
fn person_body(w: &mut Writer, p: &Person, dependent: bool, encounter: Option<&Encounter>) {
    let mut refs: Vec<(&str, &str)> = Vec::new();
    let extra = p
        .additional_identification
        .as_ref()
        .and_then(Field::given)
        .map(additional_refs)
        .unwrap_or_default();
    for (_, q, f) in person_refs(p, dependent).into_iter().chain(extra) {
        if let Some(v) = val(f)
            && !refs.iter().any(|(have, _)| *have == q)
        {
            refs.push((q, v));
        }
    }
    for (q, v) in refs {
        w.segment("REF", &[q, v]);
    }
    write_address(w, p.address.as_ref().and_then(Field::given));
    if let Some(code) = val(&p.provider_code) {
        w.segment(
            "PRV",
            &[
                code.to_ascii_uppercase(),
                val(&p.reference_identification_qualifier)
                    .map(str::to_ascii_uppercase)
                    .unwrap_or_default(),
                val(&p.provider_identifier).unwrap_or_default().to_owned(),
            ],
        );
    }
    let dob = val(&p.date_of_birth);
    let gender = val(&p.gender)
        .map(str::to_ascii_uppercase)
        .unwrap_or_default();
    if let Some(dob) = dob {
        w.segment("DMG", &["D8", dob, &gender]);
    }
    let seq = val(&p.birth_sequence_number).unwrap_or_default();
    let ins = if dependent {
        val(&p.individual_relationship_code).map(|r| ("N", r))
    } else {
        (!seq.is_empty()).then_some(("Y", "18"))
    };
    if let Some((ins01, ins02)) = ins {
        // INS17 (birth sequence) is the seventeenth element.
        let e = [
            ins01, ins02, "", "", "", "", "", "", "", "", "", "", "", "", "", "", seq,
        ];
        w.segment("INS", &e);
    }
    let codes: Vec<String> = items(&p.health_care_code_information)
        .map(|h| {
            format!(
                "{}:{}",
                val(&h.diagnosis_type_code)
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
                val(&h.diagnosis_code).unwrap_or_default()
            )
        })
        .collect();
    if !codes.is_empty() {
        w.segment("HI", &codes);
    }
    date_segment(
        w,
        "102",
        &p.id_card_issue_date,
        &p.beginning_card_issue_date,
        &p.end_card_issue_date,
    );
    date_segment(
        w,
        "291",
        &p.plan_issue_date,
        &p.beginning_plan_issue_date,
        &p.end_plan_issue_date,
    );
    if let Some(e) = encounter {
        date_segment(
            w,
            "291",
            &e.date_of_service,
            &e.beginning_date_of_service,
            &e.end_date_of_service,
        );
    }
}

/// `DTP*<qualifier>*D8*<date>` or `DTP*<qualifier>*RD8*<begin>-<end>`.
fn date_segment(w: &mut Writer, qualifier: &str, single: &Text, begin: &Text, end: &Text) {
    if let Some(d) = val(single) {
        w.segment("DTP", &[qualifier, "D8", d]);
    } else if let (Some(b), Some(e)) = (val(begin), val(end)) {
        w.segment("DTP", &[qualifier, "RD8", &format!("{b}-{e}")]);
    }
}

/// The 2110 loops: one EQ per service type code, then the encounter's procedure, then each of
/// `medicalProcedures`; `30` when nothing is asked. AMT (subscriber only), III and the referral
/// REF go in the first loop.
fn inquiries(w: &mut Writer, encounter: Option<&Encounter>, subscriber: Option<&Person>) {
    let mut eqs: Vec<[String; 5]> = Vec::new();
    if let Some(e) = encounter {
        for stc in items(&e.service_type_codes) {
            eqs.push([
                stc.to_ascii_uppercase(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        if let Some(eq) = procedure_eq(
            w,
            &e.product_or_service_id_qualifier,
            &e.procedure_code,
            &e.procedure_modifiers,
            &e.diagnosis_code_pointer,
        ) {
            eqs.push(eq);
        }
        for m in items(&e.medical_procedures) {
            if let Some(eq) = procedure_eq(
                w,
                &m.product_or_service_id_qualifier,
                &m.procedure_code,
                &m.procedure_modifiers,
                &m.diagnosis_code_pointer,
            ) {
                eqs.push(eq);
            }
        }
    }
    if eqs.is_empty() {
        eqs.push([
            "30".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (i, eq) in eqs.iter().enumerate() {
        w.segment("EQ", eq);
        if i > 0 {
            continue;
        }
        if let Some(s) = subscriber {
            if let Some(a) = val(&s.spend_down_amount) {
                w.segment("AMT", &["R", a]);
            }
            if let Some(a) = val(&s.spend_down_total_billed_amount) {
                w.segment("AMT", &["PB", a]);
            }
        }
        if let Some(e) = encounter {
            if let Some(pos) = val(&e.industry_code) {
                w.segment("III", &["ZZ", pos]);
            }
            if let (Some(q), Some(n)) = (
                val(&e.reference_identification_qualifier),
                val(&e.prior_authorization_or_referral_number),
            ) {
                w.segment("REF", &[q.to_ascii_uppercase().as_str(), n]);
            }
        }
    }
}

/// `EQ**<qualifier:code:modifiers…>**<pointers…>` for a procedure, when one is given.
fn procedure_eq(
    w: &Writer,
    qualifier: &Text,
    code: &Text,
    modifiers: &List<String>,
    pointers: &List<String>,
) -> Option<[String; 5]> {
    let (q, c) = (val(qualifier)?, val(code)?);
    let component = w.delimiters().component as char;
    let mut eq02 = format!("{}{component}{c}", q.to_ascii_uppercase());
    for m in items(modifiers) {
        eq02.push(component);
        eq02.push_str(&m.to_ascii_uppercase());
    }
    let eq05: Vec<&str> = items(pointers).map(String::as_str).collect();
    Some([
        String::new(),
        eq02,
        String::new(),
        String::new(),
        eq05.join(&component.to_string()),
    ])
}
