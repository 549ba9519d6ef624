//! `accounts.<id>.payer_aliases` and `accounts.<id>.npi_rules` as written; `eligibility::value_add`
//! checks and compiles them at start-up (it owns the NPI check digit and the date rules).

use serde::Deserialize;

/// One entry of `accounts.<id>.payer_aliases`: the account's own payer ID and the real one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerAliasSettings {
    /// The payer ID the account's systems send (2100A NM109, `tradingPartnerServiceId`).
    pub alias: String,
    /// The payer ID sent upstream and routed by.
    pub payer_id: String,
    /// First day the alias applies, `YYYY-MM-DD` (UTC, inclusive); absent: always did.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day the alias applies, `YYYY-MM-DD` (UTC, inclusive); absent: no end.
    #[serde(default)]
    pub until: Option<String>,
}

/// One entry of `accounts.<id>.npi_rules`: the NPI sent when a 270 lacks a valid one.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpiRuleSettings {
    /// The NPI (10 digits, valid check digit).
    pub npi: String,
    /// Only for this payer ID (after aliasing); absent: any payer.
    #[serde(default)]
    pub payer_id: Option<String>,
    /// Only for this facility (2100B `REF*1J`, JSON `facilityIdNumber`); absent: any.
    #[serde(default)]
    pub facility: Option<String>,
}
