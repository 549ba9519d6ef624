//! The Change/Stedi eligibility response, field for field (names, nesting and key order of the
//! anchors' schema). Every leaf is a string; absent values are omitted, never `null`.

use std::borrow::Cow;

use serde::Serialize;

/// Text taken verbatim from the 271 where possible, owned where we had to normalise it.
pub type Text<'a> = Cow<'a, str>;

/// The whole response body of a successful raw-X12 eligibility check.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityResponse<'a> {
    /// Clearinghouse identifiers, application mode and trace IDs.
    pub meta: Meta,
    /// ISA13 of the request (Change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_number: Option<Text<'a>>,
    /// ISA13 of the request (equal to `controlNumber`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassociation_key: Option<Text<'a>>,
    /// The payer ID as sent in the 270 (2100A NM109).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trading_partner_service_id: Option<Text<'a>>,
    /// 2100B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider<'a>>,
    /// 2000C/2100C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Member<'a>>,
    /// TRN in 2000C/2000D.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subscriber_trace_numbers: Vec<TraceNumber<'a>>,
    /// 2000D/2100D.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dependents: Vec<Member<'a>>,
    /// 2100A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer<'a>>,
    /// REF02 by REF01, member and provider levels.
    #[serde(skip_serializing_if = "PlanInformation::is_empty")]
    pub plan_information: PlanInformation<'a>,
    /// DTP03 by DTP01 in 2100C/2100D.
    #[serde(skip_serializing_if = "DateInformation::is_empty")]
    pub plan_date_information: DateInformation<'a>,
    /// One entry per EB with EB01 in the active/inactive range.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan_status: Vec<PlanStatus<'a>>,
    /// One entry per EB in 2110C/2110D, in 271 order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub benefits_information: Vec<Benefit<'a>>,
    /// Every AAA wherever it sits; `[]` when none.
    pub errors: Vec<AaaError<'a>>,
    /// Oddities in the 271 we tolerated, and repairs made to the 270.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Warning>,
    /// `"ERROR"` when the request could not be completed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// IK501 when the payer answered with a 999.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_set_acknowledgement: Option<Text<'a>>,
    /// IK502 when the payer answered with a 999.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation_transaction_set_syntax_error: Option<Text<'a>>,
    /// The payer's document exactly as received.
    pub x12: Text<'a>,
}

/// `meta`.
#[derive(Debug, Default, Serialize, Clone, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    /// Clearinghouse sender ID (configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sender_id: Option<String>,
    /// Submitter ID (configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitter_id: Option<String>,
    /// Biller ID (configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biller_id: Option<String>,
    /// `sandbox` or `production`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_mode: Option<String>,
    /// Our request ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    /// BHT03 of the 270 sent to the payer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbound_trace_id: Option<String>,
}

/// N3/N4.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Address<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N301.
    pub address1: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N302.
    pub address2: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N401.
    pub city: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N402.
    pub state: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N403.
    pub postal_code: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N404.
    pub country_code: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N406.
    pub location_identifier: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// N407.
    pub country_sub_division_code: Option<Text<'a>>,
}

/// PER.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactInformation<'a> {
    /// PER02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    /// PER03/04, 05/06, 07/08.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact<'a>>,
}

/// One communication number.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Contact<'a> {
    /// The qualifier's name ("Telephone"), or the code when unknown.
    pub communication_mode: Text<'a>,
    /// The number, address or URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub communication_number: Option<Text<'a>>,
}

/// An error the payer reported: an AAA (in `errors[]` and in its entity's `aaaErrors`), or, when
/// the payer answered with a 999 or TA1 instead of a 271, one of its error segments.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AaaError<'a> {
    /// The segment that carried the error: `"AAA"`, or `"IK3"`, `"IK4"`, `"IK5"`, `"TA1"`.
    pub field: &'static str,
    /// AAA03 (IK304, IK403, IK502–IK506, TA105 for acknowledgements).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Text<'a>>,
    /// The code's meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'static str>,
    /// AAA04's meaning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followup_action: Option<Text<'a>>,
    /// `"Loop 2100C"` and the like; for a 999, the position it names in the 270 we sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Text<'a>>,
    /// Advice from the clearinghouse.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub possible_resolutions: Option<&'static str>,
}

/// A non-fatal notice: a tolerated oddity in the 271 or a repair made to the 270.
pub use crate::x12::check::Warning;

/// `provider` (2100B), also member-level `responseProvider`.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Provider<'a> {
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<Text<'a>>,
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_first_name: Option<Text<'a>>,
    /// NM105.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<Text<'a>>,
    /// NM101 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identifier: Option<Text<'a>>,
    /// NM102 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<Text<'a>>,
    /// NM109 for XX.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npi: Option<Text<'a>>,
    /// NM109 for 24.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employers_id: Option<Text<'a>>,
    /// NM109 for 34.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssn: Option<Text<'a>>,
    /// NM109 for FI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_taxpayers_id_number: Option<Text<'a>>,
    /// NM109 for PI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payor_identification: Option<Text<'a>>,
    /// NM109 for PP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pharmacy_processor_number: Option<Text<'a>>,
    /// NM109 for SV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_provider_number: Option<Text<'a>>,
    /// NM109 for XV.
    #[serde(rename = "servicesPlanID", skip_serializing_if = "Option::is_none")]
    pub services_plan_id: Option<Text<'a>>,
    /// PRV01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_code: Option<Text<'a>>,
    /// PRV03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_identification: Option<Text<'a>>,
    /// N3/N4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address<'a>>,
    /// AAA in 2100B.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aaa_errors: Vec<AaaError<'a>>,
}

/// `subscriber` and each of `dependents[]`.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Member<'a> {
    /// HI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub health_care_diagnosis_codes: Vec<DiagnosisCode<'a>>,
    /// NM109 for MI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<Text<'a>>,
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text<'a>>,
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Text<'a>>,
    /// NM105.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<Text<'a>>,
    /// DMG03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Text<'a>>,
    /// NM101 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identifier: Option<Text<'a>>,
    /// NM102 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<Text<'a>>,
    /// NM109 for II.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique_health_identifier: Option<Text<'a>>,
    /// DMG02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Text<'a>>,
    /// REF SY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssn: Option<Text<'a>>,
    /// REF 6P.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_number: Option<Text<'a>>,
    /// REF 18.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_number: Option<Text<'a>>,
    /// REF N6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_network_id_number: Option<Text<'a>>,
    /// REF03 of 6P.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_description: Option<Text<'a>>,
    /// REF03 of 18.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_description: Option<Text<'a>>,
    /// REF03 of N6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_network_description: Option<Text<'a>>,
    /// INS01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insured_indicator: Option<Text<'a>>,
    /// INS02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_to_subscriber_code: Option<Text<'a>>,
    /// INS02's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_to_subscriber: Option<Text<'a>>,
    /// INS03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_type_code: Option<Text<'a>>,
    /// INS04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maintenance_reason_code: Option<Text<'a>>,
    /// INS17.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_sequence_number: Option<Text<'a>>,
    /// MPI01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub information_status_code: Option<Text<'a>>,
    /// MPI02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employment_status_code: Option<Text<'a>>,
    /// MPI03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub government_service_affiliation_code: Option<Text<'a>>,
    /// MPI04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
    /// MPI05.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub military_service_rank_code: Option<Text<'a>>,
    /// MPI06.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time_period_format_qualifier: Option<Text<'a>>,
    /// MPI07 (D8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_time_period: Option<Text<'a>>,
    /// MPI07 range start (RD8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date_time_period: Option<Text<'a>>,
    /// MPI07 range end (RD8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date_time_period: Option<Text<'a>>,
    /// N3/N4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address<'a>>,
    /// Member-level PRV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_provider: Option<Box<Provider<'a>>>,
    /// AAA in 2100C/2100D.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aaa_errors: Vec<AaaError<'a>>,
}

/// One HI composite.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosisCode<'a> {
    /// HI0x-1.
    pub diagnosis_type_code: Text<'a>,
    /// HI0x-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis_code: Option<Text<'a>>,
}

/// TRN.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TraceNumber<'a> {
    /// TRN01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_type_code: Option<Text<'a>>,
    /// TRN01's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace_type: Option<&'static str>,
    /// TRN02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_identification: Option<Text<'a>>,
    /// TRN03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originating_company_identifier: Option<Text<'a>>,
    /// TRN04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_reference_identification: Option<Text<'a>>,
}

/// `payer` (2100A).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Payer<'a> {
    /// NM101 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identifier: Option<Text<'a>>,
    /// NM102 name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<Text<'a>>,
    /// NM103 (Change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Text<'a>>,
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text<'a>>,
    /// NM105.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<Text<'a>>,
    /// NM109 for 24.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employers_id: Option<Text<'a>>,
    /// NM109 for FI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub federal_taxpayers_id_number: Option<Text<'a>>,
    /// NM109 for NI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub naic: Option<Text<'a>>,
    /// NM109 for XX.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npi: Option<Text<'a>>,
    /// NM109 for XV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centers_for_medicare_and_medicaid_plan_id: Option<Text<'a>>,
    /// NM109 for PI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payor_identification: Option<Text<'a>>,
    /// PER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_information: Option<ContactInformation<'a>>,
    /// AAA in 2000A/2100A.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aaa_errors: Vec<AaaError<'a>>,
}

/// `planStatus[]` entry.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlanStatus<'a> {
    /// EB01.
    pub status_code: Text<'a>,
    /// EB01's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// EB05.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_details: Option<Text<'a>>,
    /// EB03 repeats.
    #[serde(skip_serializing_if = "Repeats::is_empty")]
    pub service_type_codes: Repeats<'a>,
}

/// `benefitsInformation[]` entry: one EB with its 2110 loop.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Benefit<'a> {
    /// EB01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Text<'a>>,
    /// EB01's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// EB02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_level_code: Option<Text<'a>>,
    /// EB02's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_level: Option<&'static str>,
    /// EB03 repeats.
    #[serde(skip_serializing_if = "Repeats::is_empty")]
    pub service_type_codes: Repeats<'a>,
    /// Names of EB03 repeats, parallel to the codes (an unknown code stands for its own name).
    #[serde(skip_serializing_if = "ServiceTypeNames::is_empty")]
    pub service_types: ServiceTypeNames<'a>,
    /// EB04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurance_type_code: Option<Text<'a>>,
    /// EB04's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurance_type: Option<&'static str>,
    /// EB05.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_coverage: Option<Text<'a>>,
    /// EB06.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_qualifier_code: Option<Text<'a>>,
    /// EB06's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_qualifier: Option<&'static str>,
    /// EB07, normalised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benefit_amount: Option<Text<'a>>,
    /// EB08, normalised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benefit_percent: Option<Text<'a>>,
    /// EB09.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_qualifier_code: Option<Text<'a>>,
    /// EB09's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_qualifier: Option<&'static str>,
    /// EB10, normalised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benefit_quantity: Option<Text<'a>>,
    /// EB11.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_or_cert_indicator: Option<Text<'a>>,
    /// EB12.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_plan_network_indicator_code: Option<Text<'a>>,
    /// EB12's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_plan_network_indicator: Option<&'static str>,
    /// EB13/EB14.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composite_medical_procedure_identifier: Option<Box<Procedure<'a>>>,
    /// LS01 of a 2120 loop after this EB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_loop_identifier_code: Option<Text<'a>>,
    /// LE01 of that loop.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trailer_loop_identifier_code: Option<Text<'a>>,
    /// HSD.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub benefits_service_delivery: Vec<ServiceDelivery<'a>>,
    /// MSG01 each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub additional_information: Vec<AdditionalInformation<'a>>,
    /// 2110 REF.
    #[serde(skip_serializing_if = "PlanInformation::is_empty")]
    pub benefits_additional_information: PlanInformation<'a>,
    /// 2110 DTP (096 and 435 as the `discharges`/`admissions` arrays).
    #[serde(skip_serializing_if = "DateInformation::is_empty")]
    pub benefits_date_information: DateInformation<'a>,
    /// First III (deprecated by Stedi, still emitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility_additional_information: Option<AdditionalIdentification<'a>>,
    /// Every III.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eligibility_additional_information_list: Vec<AdditionalIdentification<'a>>,
    /// First 2120 entity (deprecated, still emitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub benefits_related_entity: Option<Box<RelatedEntity<'a>>>,
    /// Every 2120 entity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub benefits_related_entities: Vec<RelatedEntity<'a>>,
}

/// A repeated element (EB03) as received, split on the interchange's repetition separator as it
/// is serialised: an array of its non-empty repetitions, with no list built per benefit.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Repeats<'a> {
    raw: &'a str,
    separator: Option<u8>,
}

impl<'a> Repeats<'a> {
    /// `raw` split on `separator` (none: one repetition).
    pub fn new(raw: &'a str, separator: Option<u8>) -> Self {
        Self { raw, separator }
    }

    /// The non-empty repetitions, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let sep = self.separator;
        self.raw
            .split(move |c: char| sep.is_some_and(|s| c == char::from(s)))
            .filter(|r| !r.is_empty())
    }

    /// True when there is no non-empty repetition.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl Serialize for Repeats<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// The names of EB03's service type codes, parallel to them: a code the table does not know
/// stands for its own name. Looked up as it is serialised.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ServiceTypeNames<'a>(pub Repeats<'a>);

impl<'a> ServiceTypeNames<'a> {
    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.0
            .iter()
            .map(|c| super::codes::name(super::codes::SERVICE_TYPES, c).unwrap_or(c))
    }

    /// True when there is no code.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ServiceTypeNames<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// EB13/EB14.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Procedure<'a> {
    /// EB13-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_or_service_id_qualifier_code: Option<Text<'a>>,
    /// EB13-1's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_or_service_id_qualifier: Option<&'static str>,
    /// EB13-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_code: Option<Text<'a>>,
    /// EB13-3..6.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub procedure_modifiers: Vec<Text<'a>>,
    /// EB13-8.
    #[serde(rename = "productOrServiceID", skip_serializing_if = "Option::is_none")]
    pub product_or_service_id: Option<Text<'a>>,
    /// EB14-1..4.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnosis_code_pointer: Vec<Text<'a>>,
}

/// HSD.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDelivery<'a> {
    /// HSD01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_qualifier_code: Option<Text<'a>>,
    /// HSD01's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity_qualifier: Option<&'static str>,
    /// HSD02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Text<'a>>,
    /// HSD03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_for_measurement_qualifier_code: Option<Text<'a>>,
    /// HSD03's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_for_measurement_qualifier: Option<&'static str>,
    /// HSD04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_selection_modulus: Option<Text<'a>>,
    /// HSD05.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_period_qualifier_code: Option<Text<'a>>,
    /// HSD05's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_period_qualifier: Option<&'static str>,
    /// HSD06.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_of_periods: Option<Text<'a>>,
    /// HSD07.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_or_calendar_pattern_qualifier_code: Option<Text<'a>>,
    /// HSD07's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_or_calendar_pattern_qualifier: Option<&'static str>,
    /// HSD08.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_pattern_time_qualifier_code: Option<Text<'a>>,
    /// HSD08's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery_pattern_time_qualifier: Option<&'static str>,
}

/// MSG.
#[derive(Debug, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalInformation<'a> {
    /// MSG01, verbatim.
    pub description: Text<'a>,
}

/// III.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdditionalIdentification<'a> {
    /// III01, the code (`ZZ`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_list_qualifier_code: Option<Text<'a>>,
    /// III01's name (`Mutually Defined`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_list_qualifier: Option<Text<'a>>,
    /// III02, the code (`11`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry_code: Option<Text<'a>>,
    /// III02's name when III01 is `ZZ` (place of service, `Office`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<Text<'a>>,
    /// III03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_category: Option<Text<'a>>,
    /// III04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub injured_body_part_name: Option<Text<'a>>,
}

/// A 2120 entity.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelatedEntity<'a> {
    /// NM101's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identifier: Option<Text<'a>>,
    /// NM102's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<Text<'a>>,
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_name: Option<Text<'a>>,
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_firstname: Option<Text<'a>>,
    /// NM105.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_middlename: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_suffix: Option<Text<'a>>,
    /// NM108, raw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identification: Option<Text<'a>>,
    /// NM109.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_identification_value: Option<Text<'a>>,
    /// NM110.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_relationship: Option<Text<'a>>,
    /// N3/N4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<Address<'a>>,
    /// PER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_information: Option<ContactInformation<'a>>,
    /// PRV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_information: Option<ProviderInformation<'a>>,
}

/// 2120 PRV.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInformation<'a> {
    /// PRV01.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_code: Option<Text<'a>>,
    /// PRV03.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_identification: Option<Text<'a>>,
}

/// One date of the `discharges`/`admissions` arrays: `{date}` for D8, `{startDate, endDate}` for RD8.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatePeriod<'a> {
    /// DTP03 when DTP02 is `D8` (or anything but a range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Text<'a>>,
    /// DTP03 before the `-` when DTP02 is `RD8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Text<'a>>,
    /// DTP03 after the `-` when DTP02 is `RD8`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<Text<'a>>,
}

/// The value of one qualifier-named field: a string, or (2110 DTP 096/435 only) a list of dates.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'a> {
    /// Most fields: REF02 or DTP03 verbatim.
    Text(Text<'a>),
    /// `discharges`, `admissions`: every DTP with that qualifier, in 271 order.
    Dates(Vec<DatePeriod<'a>>),
}

impl Serialize for FieldValue<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => s.serialize_str(t),
            Self::Dates(d) => d.serialize(s),
        }
    }
}

/// `planInformation`, `planDateInformation` and their 2110 twins: qualifier-named fields,
/// serialised as one object in schema order (the order of the code table), first value wins.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields<'a> {
    /// Sorted by schema position; keys unique.
    entries: Vec<(u16, &'static str, FieldValue<'a>)>,
}

/// REF02 by REF01.
pub type PlanInformation<'a> = Fields<'a>;
/// DTP03 by DTP01.
pub type DateInformation<'a> = Fields<'a>;

impl<'a> Fields<'a> {
    /// True when nothing was set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key` (at schema position `order`) unless it is already set; returns whether it was new.
    pub fn insert(&mut self, order: u16, key: &'static str, value: Text<'a>) -> bool {
        if self.entries.iter().any(|(_, k, _)| *k == key) {
            return false;
        }
        self.put(order, key, FieldValue::Text(value));
        true
    }

    /// Appends `date` to the list field `key` (at schema position `order`), creating it.
    pub fn push_date(&mut self, order: u16, key: &'static str, date: DatePeriod<'a>) {
        match self.entries.iter_mut().find(|(_, k, _)| *k == key) {
            Some((_, _, FieldValue::Dates(list))) => list.push(date),
            Some(_) => {}
            None => self.put(order, key, FieldValue::Dates(vec![date])),
        }
    }

    fn put(&mut self, order: u16, key: &'static str, value: FieldValue<'a>) {
        let at = self.entries.partition_point(|(o, _, _)| *o <= order);
        self.entries.insert(at, (order, key, value));
    }

    /// The value of the string field `key`.
    pub fn get(&self, key: &str) -> Option<&Text<'a>> {
        self.entries.iter().find_map(|(_, k, v)| match v {
            FieldValue::Text(t) if *k == key => Some(t),
            _ => None,
        })
    }

    /// The list field `key` (`discharges`, `admissions`).
    pub fn dates(&self, key: &str) -> &[DatePeriod<'a>] {
        self.entries
            .iter()
            .find_map(|(_, k, v)| match v {
                FieldValue::Dates(d) if *k == key => Some(d.as_slice()),
                _ => None,
            })
            .unwrap_or(&[])
    }
}

impl Serialize for Fields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.entries.len()))?;
        for (_, k, v) in &self.entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl EligibilityResponse<'_> {
    /// The response as compact JSON bytes, the same bytes as `serde_json::to_vec` (a test checks
    /// every fixture). `sonic-rs` escapes strings with SIMD: on the anchor's 4.5 KB 271 it takes
    /// 30% fewer instructions than `serde_json`, whose byte-at-a-time escaping was 70% of the cost.
    /// The buffer is sized from the 271 up front (the JSON runs about six times its length).
    pub fn to_json(&self) -> Result<Vec<u8>, sonic_rs::Error> {
        let mut out = Vec::with_capacity(self.x12.len() * 7 + 1024);
        sonic_rs::to_writer(&mut out, self)?;
        Ok(out)
    }
}
