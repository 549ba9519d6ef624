//! NPI rules: the NPI a 270 gets when it lacks a valid one, by payer and facility, most specific
//! first.

use serde::Serialize;

use crate::config::{NpiRuleSettings, SettingsError};
use crate::eligibility::request::check::npi_check_digit_ok;

/// How specific the rule that matched is; the order is the hierarchy (most specific first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The rule names the payer and the facility.
    PayerAndFacility,
    /// The rule names the facility only.
    Facility,
    /// The rule names the payer only.
    Payer,
    /// The rule names neither: the account's default.
    Account,
}

impl Level {
    /// For messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::PayerAndFacility => "this payer and facility",
            Self::Facility => "this facility",
            Self::Payer => "this payer",
            Self::Account => "the account's default",
        }
    }
}

/// One rule, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The NPI sent.
    pub npi: String,
    /// Payer ID it is limited to (after aliasing), matched ignoring ASCII case.
    pub payer_id: Option<String>,
    /// Facility (2100B `REF*1J`) it is limited to, matched ignoring ASCII case.
    pub facility: Option<String>,
    /// Index in `accounts.<id>.npi_rules`, for the warning.
    pub index: usize,
}

impl Rule {
    /// Where the rule sits in the hierarchy.
    pub fn level(&self) -> Level {
        match (&self.payer_id, &self.facility) {
            (Some(_), Some(_)) => Level::PayerAndFacility,
            (None, Some(_)) => Level::Facility,
            (Some(_), None) => Level::Payer,
            (None, None) => Level::Account,
        }
    }

    fn matches(&self, payer_id: Option<&str>, facility: Option<&str>) -> bool {
        let fits = |want: &Option<String>, have: Option<&str>| {
            want.as_deref()
                .is_none_or(|w| have.is_some_and(|h| w.eq_ignore_ascii_case(h)))
        };
        fits(&self.payer_id, payer_id) && fits(&self.facility, facility)
    }
}

/// An account's NPI rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules(Vec<Rule>);

impl Rules {
    /// Checks `accounts.<account>.npi_rules`: each NPI valid, payer IDs and facilities present
    /// when given, and no two rules for the same payer and facility (which would be ambiguous).
    pub fn compile(account: &str, list: &[NpiRuleSettings]) -> Result<Self, SettingsError> {
        let mut out: Vec<Rule> = Vec::with_capacity(list.len());
        for (index, r) in list.iter().enumerate() {
            let key = format!("accounts.{account}.npi_rules[{index}]");
            if !is_valid_npi(&r.npi) {
                return Err(SettingsError::invalid(
                    format!("{key}.npi"),
                    "must be an NPI: 10 digits whose check digit (Luhn over 80840 and the first nine) matches",
                ));
            }
            if let Some(p) = &r.payer_id {
                super::alias::payer_id(&format!("{key}.payer_id"), p)?;
            }
            if let Some(f) = &r.facility
                && (f.trim().is_empty()
                    || f.len() > 50
                    || !f.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
            {
                return Err(SettingsError::invalid(
                    format!("{key}.facility"),
                    "must be a facility ID (REF*1J) of 1 to 50 printable ASCII characters (leave the key out for any facility)",
                ));
            }
            let rule = Rule {
                npi: r.npi.clone(),
                payer_id: r.payer_id.clone(),
                facility: r.facility.clone(),
                index,
            };
            let same = |a: &Option<String>, b: &Option<String>| match (a, b) {
                (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
                (None, None) => true,
                _ => false,
            };
            if let Some(other) = out
                .iter()
                .find(|o| same(&o.payer_id, &rule.payer_id) && same(&o.facility, &rule.facility))
            {
                return Err(SettingsError::invalid(
                    key,
                    format!(
                        "has the same payer_id and facility as accounts.{account}.npi_rules[{}]; keep one",
                        other.index
                    ),
                ));
            }
            out.push(rule);
        }
        Ok(Self(out))
    }

    /// The most specific rule for `payer_id` (after aliasing) and `facility`: payer and
    /// facility, then facility, then payer, then the default.
    pub fn resolve(&self, payer_id: Option<&str>, facility: Option<&str>) -> Option<&Rule> {
        self.0
            .iter()
            .filter(|r| r.matches(payer_id, facility))
            .min_by_key(|r| r.level())
    }

    /// No rules.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Exactly ten ASCII digits with the NPI check digit (the JSON check's, reused).
pub fn is_valid_npi(v: &str) -> bool {
    v.len() == 10 && v.bytes().all(|b| b.is_ascii_digit()) && npi_check_digit_ok(v)
}
