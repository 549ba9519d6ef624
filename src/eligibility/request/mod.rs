//! Change's `MedicalEligibility` and Stedi's eligibility request, typed: the JSON a client posts to
//! `…/eligibility/v3`. Unknown fields are ignored (clients still send legacy ones such as
//! `partnerId`), `null` is absent, and a value of the wrong JSON type is kept as such so
//! [`check`] can report it with every other problem at once.

pub mod build;
pub mod check;
pub mod refused;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::eligibility::model::Warning;
use crate::json_request::note;
use crate::x12::date::Stamp;

pub use crate::json_request::{
    Built, Dialect, Field, List, NotAnObject, Obj, Path, Refusal, Text, is_control_number,
    next_control_number,
};
pub use build::{Envelope, build};
pub use check::{Problem, check};

/// The request body (Change `MedicalEligibility`, Stedi `EligibilityCheckRequestContent`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct EligibilityRequest {
    /// ISA13 (and GS06, ST02, TRN02); generated when absent. Change's path: exactly 9 digits.
    /// Stedi's path (deprecated there): one that is not 9 digits is replaced, with a warning.
    pub control_number: Text,
    /// BHT03; the control number when absent.
    pub submitter_transaction_identifier: Text,
    /// The payer ID: 2100A NM109.
    pub trading_partner_service_id: Text,
    /// The payer's name: 2100A NM103.
    pub trading_partner_name: Text,
    /// The information receiver: 2100B.
    #[schema(value_type = Option<Provider>)]
    pub provider: Obj<Provider>,
    /// 2100B `REF*JD`.
    pub portal_username: Text,
    /// 2100B `REF*4A`.
    pub portal_password: Text,
    /// Change's 2100B identifiers (Stedi moved them into `provider`).
    #[schema(value_type = Option<InformationReceiverName>)]
    pub information_receiver_name: Obj<InformationReceiverName>,
    /// 2000C/2100C.
    #[schema(value_type = Option<Person>)]
    pub subscriber: Obj<Person>,
    /// 2000D/2100D; one at most.
    #[schema(value_type = Option<Vec<Person>>)]
    pub dependents: List<Person>,
    /// Dates and what is asked.
    #[schema(value_type = Option<Encounter>)]
    pub encounter: Obj<Encounter>,
    /// Stedi's own patient reference; not sent to the payer.
    pub external_patient_id: Text,
}

/// The provider asking (2100B).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = RequestProvider)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Provider {
    pub organization_name: Text,
    pub last_name: Text,
    pub first_name: Text,
    pub provider_type: Text,
    pub npi: Text,
    pub service_provider_number: Text,
    pub payor_id: Text,
    pub tax_id: Text,
    pub ssn: Text,
    pub pharmacy_processor_number: Text,
    #[serde(rename = "servicesPlanID")]
    pub services_plan_id: Text,
    pub employers_id: Text,
    pub provider_code: Text,
    pub reference_identification: Text,
    #[schema(value_type = Option<Address>)]
    pub address: Obj<Address>,
    pub contract_number: Text,
    pub contact_number: Text,
    pub device_pin_number: Text,
    pub facility_id_number: Text,
    pub facility_network_id_number: Text,
    pub medicaid_provider_number: Text,
    pub medicare_provider_number: Text,
    pub prior_identifier_number: Text,
    pub provider_plan_network_id_number: Text,
    pub state_licence_number: Text,
    pub information_receiver_additional_identifier_state: Text,
    pub submitter_id_number: Text,
}

/// Change's `InformationReceiverName` (2100B identifiers and address).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct InformationReceiverName {
    pub state_licence_number: Text,
    pub information_receiver_additional_identifier_state: Text,
    pub medicare_provider_number: Text,
    pub medicaid_provider_number: Text,
    pub facility_id_number: Text,
    pub contact_number: Text,
    pub contract_number: Text,
    pub device_pin_number: Text,
    pub submitter_id_number: Text,
    pub national_provider_identifier: Text,
    pub provider_plan_network_id_number: Text,
    pub facility_network_id_number: Text,
    pub prior_identifier_number: Text,
    pub social_security_number: Text,
    pub federal_taxpayer_identification_number: Text,
    #[schema(value_type = Option<Address>)]
    pub address: Obj<Address>,
}

/// N3/N4.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = RequestAddress)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Address {
    pub address1: Text,
    pub address2: Text,
    pub city: Text,
    pub state: Text,
    pub postal_code: Text,
    pub country_code: Text,
    pub country_sub_division_code: Text,
    pub location_identifier: Text,
}

/// The subscriber or a dependent (2100C / 2100D); fields one of them does not have are ignored
/// for the other.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = RequestPerson)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Person {
    pub member_id: Text,
    pub first_name: Text,
    pub last_name: Text,
    pub middle_name: Text,
    pub suffix: Text,
    pub gender: Text,
    pub date_of_birth: Text,
    pub ssn: Text,
    pub group_number: Text,
    pub id_card: Text,
    pub case_number: Text,
    pub medicaid_recipient_identification_number: Text,
    #[schema(value_type = Option<AdditionalIdentification>)]
    pub additional_identification: Obj<AdditionalIdentification>,
    #[schema(value_type = Option<Address>)]
    pub address: Obj<Address>,
    pub provider_code: Text,
    pub reference_identification_qualifier: Text,
    pub provider_identifier: Text,
    #[schema(value_type = Option<Vec<HealthCareInformation>>)]
    pub health_care_code_information: List<HealthCareInformation>,
    pub birth_sequence_number: Text,
    pub spend_down_amount: Text,
    pub spend_down_total_billed_amount: Text,
    pub coverage_level_code: Text,
    pub id_card_issue_date: Text,
    pub beginning_card_issue_date: Text,
    pub end_card_issue_date: Text,
    pub plan_issue_date: Text,
    pub beginning_plan_issue_date: Text,
    pub end_plan_issue_date: Text,
    pub individual_relationship_code: Text,
    pub issue_number: Text,
    pub eligibility_category: Text,
}

/// More 2100C/D `REF`s.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = RequestAdditionalIdentification)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct AdditionalIdentification {
    pub plan_number: Text,
    pub policy_number: Text,
    pub member_identification_number: Text,
    pub contract_number: Text,
    pub medical_record_identification_number: Text,
    pub patient_account_number: Text,
    pub health_insurance_claim_number: Text,
    pub identification_card_serial_number: Text,
    pub insurance_policy_number: Text,
    pub plan_network_identification_number: Text,
    pub agency_claim_number: Text,
}

/// One diagnosis code (HI).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct HealthCareInformation {
    pub diagnosis_type_code: Text,
    pub diagnosis_code: Text,
}

/// Dates of service and the inquiry (2100 DTP, 2110 EQ/III/REF).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Encounter {
    pub date_of_service: Text,
    pub beginning_date_of_service: Text,
    pub end_date_of_service: Text,
    #[schema(value_type = Option<Vec<String>>)]
    pub service_type_codes: List<String>,
    #[serde(rename = "productOrServiceIDQualifier")]
    pub product_or_service_id_qualifier: Text,
    pub procedure_code: Text,
    #[schema(value_type = Option<Vec<String>>)]
    pub procedure_modifiers: List<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub diagnosis_code_pointer: List<String>,
    #[schema(value_type = Option<Vec<MedicalProcedure>>)]
    pub medical_procedures: List<MedicalProcedure>,
    pub industry_code: Text,
    pub prior_authorization_or_referral_number: Text,
    pub reference_identification_qualifier: Text,
}

/// One more procedure asked about (its own 2110 EQ).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct MedicalProcedure {
    #[serde(rename = "productOrServiceIDQualifier")]
    pub product_or_service_id_qualifier: Text,
    pub procedure_code: Text,
    #[schema(value_type = Option<Vec<String>>)]
    pub procedure_modifiers: List<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub diagnosis_code_pointer: List<String>,
}

/// The 270 for a JSON body, stamped `now`, under Change's rules. What `to-270` prints.
pub fn to_270(bytes: &[u8], envelope: &Envelope, now: &Stamp) -> Result<String, Refusal> {
    to_270_as(bytes, envelope, now, Dialect::Change).map(|b| b.x12)
}

/// The 270 for a JSON body, stamped `now`: parse, check, then build with the request's control
/// number or a generated one. What the HTTP routes and `to-270` share.
pub fn to_270_as(
    bytes: &[u8],
    envelope: &Envelope,
    now: &Stamp,
    dialect: Dialect,
) -> Result<Built, Refusal> {
    let mut req = parse(bytes).map_err(Refusal::NotAnObject)?;
    let mut warnings = Vec::new();
    crate::json_request::replace_bad_control_number(
        dialect,
        &mut req.control_number,
        &mut warnings,
    );
    let problems = check(&req, &now.ccyymmdd());
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    warnings.extend(ignored_dependent_member_ids(&req));
    let control = req
        .control_number
        .as_ref()
        .and_then(Field::given)
        .cloned()
        .unwrap_or_else(next_control_number);
    Ok(Built {
        x12: build(&req, envelope, &control, now),
        warnings,
    })
}

/// X279A1 has no member ID in 2100D (NM108/NM109 are not used there): a dependent's `memberId`
/// is not sent, and the caller is told so.
fn ignored_dependent_member_ids(req: &EligibilityRequest) -> Vec<Warning> {
    let Some(deps) = req.dependents.as_ref().and_then(Field::given) else {
        return Vec::new();
    };
    deps.iter()
        .enumerate()
        .filter(|(_, d)| d.given().is_some_and(|d| d.member_id.is_some()))
        .map(|(i, _)| {
            note(
                "request::json::dependent_member_id_ignored",
                format!(
                    "dependents[{i}].memberId is not sent: 2100D has no member ID in 005010X279A1; the payer finds the dependent through the subscriber's memberId and the dependent's name and date of birth."
                ),
                "Loop 2100D",
            )
        })
        .collect()
}

/// Reads a body; refused when it is not a JSON object (the caller answers 400 as raw-x12 does).
pub fn parse(bytes: &[u8]) -> Result<EligibilityRequest, NotAnObject> {
    crate::json_request::parse(bytes)
}

#[cfg(test)]
mod tests;
