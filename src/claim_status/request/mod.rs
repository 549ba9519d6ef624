//! Change's Claim Status v2 `Request` (Stedi's `ClaimStatusRequestContent` is the same shape plus
//! `suffix` and `serviceLinesInformation[]`), typed: the JSON a client posts to
//! `…/claimstatus/v2`, field by field as `claim-status.md` Appendix A lists them. As for
//! eligibility, unknown fields are ignored, `null` is absent, and a value of the wrong JSON type
//! is kept as such so [`check`] reports it with every other problem at once.
//!
//! [`to_276_as`] is what the HTTP routes and `to-276` share: parse, [`check`], then [`build`].

pub mod build;
pub mod check;
pub mod refused;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::json_request::{Field, note, val};
use crate::x12::date::Stamp;

pub use crate::json_request::{
    Built, Dialect, Envelope, List, NotAnObject, Obj, Path, Problem, Refusal, Text,
    next_control_number,
};
pub use build::{BuildContext, build};
pub use check::check;

/// The request body (Change `Request`, Stedi `ClaimStatusRequestContent`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusRequest)]
pub struct ClaimStatusRequest {
    /// ISA13, GS06, ST02 and BHT03; generated when absent. Change's path: exactly 9 digits.
    /// Stedi's path (deprecated there): one that is not 9 digits is replaced, with a warning.
    pub control_number: Text,
    /// The payer ID: 2100A NM109 (`PI`).
    pub trading_partner_service_id: Text,
    /// The payer's name: 2100A NM103 (`Unknown`, or the configured name, when absent).
    pub trading_partner_name: Text,
    /// One `BillingProvider` (2100B) and at most one `ServiceProvider` (2100C; made from the
    /// billing provider when absent).
    #[schema(value_type = Option<Vec<Provider>>)]
    pub providers: List<Provider>,
    /// 2000D/2100D; the patient unless a dependent is sent.
    #[schema(value_type = Option<Subscriber>)]
    pub subscriber: Obj<Subscriber>,
    /// 2000E/2100E: the patient, when sent.
    #[schema(value_type = Option<Dependent>)]
    pub dependent: Obj<Dependent>,
    /// The claim asked about: 2200D or 2200E.
    #[schema(value_type = Option<Encounter>)]
    pub encounter: Obj<Encounter>,
    /// One service line (2210D/E); Change's field, deprecated by Stedi.
    #[schema(value_type = Option<ServiceLine>)]
    pub service_line_information: Obj<ServiceLine>,
    /// Service lines (2210D/E), Stedi's field.
    #[schema(value_type = Option<Vec<ServiceLine>>)]
    pub service_lines_information: List<ServiceLine>,
}

/// A provider: `BillingProvider` → 2100B (`NM1*41`), `ServiceProvider` → 2100C (`NM1*1P`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusProvider)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Provider {
    pub organization_name: Text,
    pub first_name: Text,
    pub last_name: Text,
    pub npi: Text,
    pub spn: Text,
    pub tin: Text,
    pub tax_id: Text,
    pub etin: Text,
    pub provider_type: Text,
}

/// The subscriber (2000D DMG, 2100D NM1, `groupNumber` in 2200D/E `REF*6P`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusSubscriber)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Subscriber {
    pub member_id: Text,
    pub first_name: Text,
    pub last_name: Text,
    pub suffix: Text,
    pub gender: Text,
    pub date_of_birth: Text,
    pub group_number: Text,
}

/// The dependent (Change `Member`: 2000E DMG, 2100E NM1, `groupNumber` in 2200E `REF*6P`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusDependent)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Dependent {
    pub first_name: Text,
    pub last_name: Text,
    pub suffix: Text,
    pub gender: Text,
    pub date_of_birth: Text,
    pub group_number: Text,
}

/// The claim asked about (2200D/E: TRN, REF, AMT, DTP).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusEncounter)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct Encounter {
    pub beginning_date_of_service: Text,
    pub end_date_of_service: Text,
    pub tracking_number: Text,
    pub trading_partner_claim_number: Text,
    pub location_identifier: Text,
    pub billing_type: Text,
    pub patient_account_number: Text,
    pub pharmacy_prescription_number: Text,
    pub clearing_house_claim_number: Text,
    pub submitted_amount: Text,
}

/// One service line (2210D/E: SVC, REF*FJ, DTP*472).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", default)]
#[schema(as = ClaimStatusServiceLine)]
#[allow(missing_docs)] // each field is named for its JSON property; the mapping is in build.rs
pub struct ServiceLine {
    #[serde(rename = "productOrServiceIDQualifier")]
    pub product_or_service_id_qualifier: Text,
    pub procedure_code: Text,
    #[schema(value_type = Option<Vec<String>>)]
    pub procedure_modifiers: List<String>,
    pub line_item_charge_amount: Text,
    pub revenue_code: Text,
    pub units_of_service_count: Text,
    pub line_item_control_number: Text,
    pub service_line_date: Text,
    pub service_line_end_date: Text,
}

/// Reads a body; refused when it is not a JSON object.
pub fn parse(bytes: &[u8]) -> Result<ClaimStatusRequest, NotAnObject> {
    crate::json_request::parse(bytes)
}

/// The 276 for a JSON body, stamped `now`, under Change's rules. What `to-276` prints.
pub fn to_276(bytes: &[u8], envelope: &Envelope, now: &Stamp) -> Result<String, Refusal> {
    to_276_as(bytes, envelope, now, Dialect::Change).map(|b| b.x12)
}

/// The 276 for a JSON body, stamped `now`: parse, check under the rules of `dialect`, then build
/// with the request's control number and tracking number or generated ones. What the HTTP routes
/// and `to-276` share.
pub fn to_276_as(
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
    let problems = check(&req, &now.ccyymmdd(), dialect);
    if !problems.is_empty() {
        return Err(Refusal::Invalid(problems));
    }
    warnings.extend(unknown_genders(&req));
    let control = val(&req.control_number).map_or_else(next_control_number, str::to_owned);
    let tracking = req
        .encounter
        .as_ref()
        .and_then(Field::given)
        .and_then(|e| val(&e.tracking_number))
        .map_or_else(new_tracking_number, str::to_owned);
    let ctx = BuildContext {
        envelope,
        control_number: &control,
        tracking_number: &tracking,
        now,
    };
    Ok(Built {
        x12: build(&req, &ctx),
        warnings,
    })
}

/// TRN02 when the request brings no `encounter.trackingNumber`: a UUID, as Change's sandbox and
/// Stedi answer with one.
fn new_tracking_number() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Change allows gender `U`; 005010X212 DMG03 takes only `F` or `M`, so `U` is not sent and the
/// caller is told so.
fn unknown_genders(req: &ClaimStatusRequest) -> Vec<crate::x12::check::Warning> {
    let sub = crate::json_request::obj(&req.subscriber).and_then(|s| val(&s.gender));
    let dep = crate::json_request::obj(&req.dependent).and_then(|d| val(&d.gender));
    [("subscriber", "Loop 2000D", sub), ("dependent", "Loop 2000E", dep)]
        .into_iter()
        .filter(|(_, _, g)| g.is_some_and(|g| g.eq_ignore_ascii_case("U")))
        .map(|(who, location, _)| {
            note(
                "request::json::gender_unknown_omitted",
                format!("{who}.gender U is not sent: DMG03 of 005010X212 takes F or M only, so the gender is left out."),
                location,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
