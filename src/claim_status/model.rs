//! Change's Claim Status v2 `Response` model (Stedi's `ClaimStatusResponseContent` is the same
//! shape), field by field as `claim-status.md` Appendix B lists them. Absent data is omitted, never
//! `null` or `""`; values borrow from the 277 where they can.

use std::borrow::Cow;

use serde::Serialize;

pub use crate::eligibility::model::{Meta, Warning};

/// A string borrowed from the 277 or built by the mapper.
pub type Text<'a> = Cow<'a, str>;

fn is_empty<T>(v: &[T]) -> bool {
    v.is_empty()
}

/// The claim status response (`Response`).
#[derive(Debug, Default, Serialize, Clone, utoipa::ToSchema)]
#[schema(as = ClaimStatusResponse)]
#[serde(rename_all = "camelCase")]
pub struct ClaimStatusResponse<'a> {
    /// Meta data about the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The request's control number when known, else ISA13 of the payer's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_number: Option<Text<'a>>,
    /// Interchange control number (ISA13).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reassociation_key: Option<Text<'a>>,
    /// The trading partner (payer) ID the request named, else 2100A NM109 (`PI`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trading_partner_service_id: Option<Text<'a>>,
    /// Loop 2100A.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer<'a>>,
    /// Loops 2100B (billing provider / information receiver) and 2100C (service provider).
    #[serde(skip_serializing_if = "is_empty")]
    pub providers: Vec<Provider<'a>>,
    /// Loop 2000D/2100D.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber: Option<Subscriber<'a>>,
    /// Loop 2000E/2100E.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependent: Option<Member<'a>>,
    /// Loops 2200D and 2200E: one entry per claim status (STC).
    #[serde(skip_serializing_if = "is_empty")]
    pub claims: Vec<Claim<'a>>,
    /// `ERROR` when the payer rejected the request (999, TA1, information-receiver or
    /// provider-level rejection).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// The payer's rejection in Change's error shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_response: Option<ErrorResponse<'a>>,
    /// IK501 of a 999 (or TA104 of a TA1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_set_acknowledgement: Option<Text<'a>>,
    /// IK502 of a 999.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implementation_transaction_set_syntax_error: Option<Text<'a>>,
    /// Tolerated oddities in the payer's 277 (Stedi's `warnings[]`).
    #[serde(skip_serializing_if = "is_empty")]
    pub warnings: Vec<Warning>,
    /// The payer's 277 (or 999) as received.
    pub x12: Text<'a>,
}

impl ClaimStatusResponse<'_> {
    /// The JSON bytes of the response, in a buffer sized from the 277 up front.
    pub fn to_json(&self) -> Result<Vec<u8>, sonic_rs::Error> {
        let mut out = Vec::with_capacity(self.x12.len() * 5 + 1024);
        sonic_rs::to_writer(&mut out, self)?;
        Ok(out)
    }
}

/// `payer` (2100A).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusPayer)]
#[serde(rename_all = "camelCase")]
pub struct Payer<'a> {
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<Text<'a>>,
    /// NM109 when NM108 = `PI`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_identification: Option<Text<'a>>,
    /// NM109 when NM108 = `XV`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub centers_for_medicare_and_medicaid_service_plan_id: Option<Text<'a>>,
    /// PER.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_information: Option<ContactInformation<'a>>,
}

/// `payer.contactInformation` (PER).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusContactInformation)]
#[serde(rename_all = "camelCase")]
pub struct ContactInformation<'a> {
    /// PER02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Text<'a>>,
    /// Number qualified `ED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub electronic_data_inter_change_access_number: Option<Text<'a>>,
    /// Number qualified `EM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Text<'a>>,
    /// Number qualified `FX`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fax: Option<Text<'a>>,
    /// Number qualified `TE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<Text<'a>>,
    /// Number qualified `EX`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_extension: Option<Text<'a>>,
}

/// `providers[]` (2100B `BillingProvider`, 2100C `ServiceProvider`).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusProvider)]
#[serde(rename_all = "camelCase")]
pub struct Provider<'a> {
    /// NM103 of an organisation (NM102 = 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<Text<'a>>,
    /// NM104 of a person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text<'a>>,
    /// NM103 of a person (NM102 = 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Text<'a>>,
    /// NM109 when NM108 = `XX`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npi: Option<Text<'a>>,
    /// NM109 when NM108 = `SV`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spn: Option<Text<'a>>,
    /// NM109 when NM108 = `FI` in 2100C.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tin: Option<Text<'a>>,
    /// NM109 when NM108 = `FI` in 2100B.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<Text<'a>>,
    /// NM109 when NM108 = `46` (2100B).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub etin: Option<Text<'a>>,
    /// `BillingProvider` (2100B) or `ServiceProvider` (2100C).
    pub provider_type: &'static str,
}

/// `subscriber` (2100D).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusSubscriber)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber<'a> {
    /// NM109.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<Text<'a>>,
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text<'a>>,
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<Text<'a>>,
    /// DMG03 (not in a 277; filled from the request by the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Text<'a>>,
    /// DMG02 (not in a 277; filled from the request by the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Text<'a>>,
    /// 2200D REF*6P (not in a 277; filled from the request by the caller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_number: Option<Text<'a>>,
}

/// `dependent` (2100E).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusMember)]
#[serde(rename_all = "camelCase")]
pub struct Member<'a> {
    /// NM104.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<Text<'a>>,
    /// NM103.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<Text<'a>>,
    /// NM107.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suffix: Option<Text<'a>>,
    /// DMG03 (from the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<Text<'a>>,
    /// DMG02 (from the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<Text<'a>>,
    /// REF*6P (from the request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_number: Option<Text<'a>>,
}

/// `claims[]`: one claim status (2200D/E) and its service lines (2220D/E).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusClaim)]
#[serde(rename_all = "camelCase")]
pub struct Claim<'a> {
    /// The claim-level status.
    pub claim_status: ClaimStatus<'a>,
    /// Service lines.
    #[serde(skip_serializing_if = "is_empty")]
    pub service_details: Vec<ServiceDetail<'a>>,
}

/// The three STC composites (STC01, STC10, STC11) as code, name pairs.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusStatusCodes)]
#[serde(rename_all = "camelCase")]
pub struct StatusCodes<'a> {
    /// STC01-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_category_code: Option<Text<'a>>,
    /// STC01-1's text (code list 507).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_category_code_value: Option<&'static str>,
    /// STC01-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Text<'a>>,
    /// STC01-2's text (code list 508; none for an NCPDP code, STC01-4 = `RX`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code_value: Option<&'static str>,
    /// STC01-3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_code: Option<Text<'a>>,
    /// STC01-3's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<&'static str>,
    /// STC10-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_status_category_code: Option<Text<'a>>,
    /// STC10-1's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_status_category_code_value: Option<&'static str>,
    /// STC10-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_status_code: Option<Text<'a>>,
    /// STC10-2's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_status_code_value: Option<&'static str>,
    /// STC10-3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_entity_code: Option<Text<'a>>,
    /// STC10-3's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_entity: Option<&'static str>,
    /// STC11-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_status_category_code: Option<Text<'a>>,
    /// STC11-1's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_status_category_code_value: Option<&'static str>,
    /// STC11-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_status_code: Option<Text<'a>>,
    /// STC11-2's text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_status_code_value: Option<&'static str>,
    /// STC11-3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_entity_code: Option<Text<'a>>,
    /// STC11-3's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tertiary_entity: Option<&'static str>,
    /// STC02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<Text<'a>>,
}

/// `claims[].claimStatus` (2200D/E).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatus)]
#[serde(rename_all = "camelCase")]
pub struct ClaimStatus<'a> {
    /// The STC composites and STC02.
    #[serde(flatten)]
    pub codes: StatusCodes<'a>,
    /// STC04, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_amount: Option<Text<'a>>,
    /// STC05, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<Text<'a>>,
    /// STC06.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_date: Option<Text<'a>>,
    /// STC08.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_issue_date: Option<Text<'a>>,
    /// STC09.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_number: Option<Text<'a>>,
    /// TRN02.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<Text<'a>>,
    /// DTP03 (DTP01 = 472), `CCYYMMDD` or `CCYYMMDD-CCYYMMDD` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_service_date: Option<Text<'a>>,
    /// REF02 with REF01 = `1K`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trading_partner_claim_number: Option<Text<'a>>,
    /// REF02 with REF01 = `EJ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patient_account_number: Option<Text<'a>>,
    /// REF02 with REF01 = `D9`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clearing_house_claim_number: Option<Text<'a>>,
}

/// `claims[].serviceDetails[]` (2220D/E).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusServiceDetail)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDetail<'a> {
    /// SVC.
    pub service: Service<'a>,
    /// One entry per STC of the service line.
    #[serde(skip_serializing_if = "is_empty")]
    pub status: Vec<StatusCodes<'a>>,
}

/// `serviceDetails[].service` (SVC).
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusService)]
#[serde(rename_all = "camelCase")]
pub struct Service<'a> {
    /// SVC01-1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id_qualifier_code: Option<Text<'a>>,
    /// SVC01-1's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_id_qualifier: Option<&'static str>,
    /// SVC01-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub procedure_id: Option<Text<'a>>,
    /// SVC02, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_amount: Option<Text<'a>>,
    /// SVC03, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<Text<'a>>,
    /// SVC04.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revenue_code: Option<Text<'a>>,
    /// SVC07.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_units: Option<Text<'a>>,
}

/// `errorResponse`: the payer's rejection.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusErrorResponse)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse<'a> {
    /// The first error's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Text<'a>>,
    /// The first error's description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
    /// Every error, in document order.
    #[serde(skip_serializing_if = "is_empty")]
    pub errors: Vec<ErrorDetail<'a>>,
}

/// `errorResponse.errors[]`.
#[derive(Debug, Default, Serialize, Clone, PartialEq, utoipa::ToSchema)]
#[schema(as = ClaimStatusErrorDetail)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail<'a> {
    /// The segment or element that carried the error (`STC01`, `AAA`, `IK3`, `IK4`, `IK5`, `TA1`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
    /// The codes as the payer sent them (an STC composite); never member data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Text<'a>>,
    /// The error code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Text<'a>>,
    /// What the code means.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Text<'a>>,
    /// Loop (`Loop 2200B`), or for a 999 the position it names in the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Text<'a>>,
    /// What to do next (AAA04's meaning, or the category's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub followup_action: Option<Text<'a>>,
}
