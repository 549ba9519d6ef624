//! Value-added rules an account's configuration applies to an accepted 270 before it is routed:
//! payer aliases (the account's payer IDs for the real ones) and NPI rules (an NPI where the 270
//! lacks a valid one). Each rule applied is described in [`Applied`] and reported as a warning.

pub mod alias;
pub mod npi;
mod splice;

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::config::{AccountSettings, SettingsError};
use crate::eligibility::Inquiry;
use crate::eligibility::model::Warning;
pub use alias::{Alias, Aliases};
pub use npi::{Level, is_valid_npi};
pub use splice::{Edits, Spliced, splice};

/// Every account's rules, checked at start-up.
#[derive(Debug, Default)]
pub struct ValueAdd {
    /// Accounts with at least one rule.
    accounts: HashMap<String, AccountRules>,
}

impl ValueAdd {
    /// Checks and compiles each account's `payer_aliases` and `npi_rules`; the first problem is an
    /// error naming its key.
    pub fn from_settings(
        accounts: &BTreeMap<String, AccountSettings>,
    ) -> Result<Self, SettingsError> {
        let mut out = HashMap::new();
        for (id, a) in accounts {
            let rules = AccountRules::compile(id, a)?;
            if !rules.is_empty() {
                out.insert(id.clone(), rules);
            }
        }
        Ok(Self { accounts: out })
    }

    /// The rules of `account`, when it has any.
    pub fn for_account(&self, account: &str) -> Option<&AccountRules> {
        self.accounts.get(account)
    }
}

/// One account's rules.
#[derive(Debug, Clone, Default)]
pub struct AccountRules {
    account: String,
    aliases: Aliases,
    npis: npi::Rules,
}

/// A 270 after the account's rules: the text to send and what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Added {
    /// The 270 as sent upstream.
    pub x12: String,
    /// What the rules did.
    pub applied: Applied,
}

impl AccountRules {
    /// Checks `accounts.<account>.payer_aliases` and `.npi_rules`.
    pub fn compile(account: &str, s: &AccountSettings) -> Result<Self, SettingsError> {
        Ok(Self {
            account: account.to_owned(),
            aliases: Aliases::compile(account, &s.payer_aliases)?,
            npis: npi::Rules::compile(account, &s.npi_rules)?,
        })
    }

    /// No rules at all.
    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty() && self.npis.is_empty()
    }

    /// Applies the rules to `x12` (accepted by the validator; `inquiry` is its reading) on `today`
    /// (`CCYYMMDD`, UTC): the alias in effect replaces 2100A NM109, then, when 2100B carries no
    /// valid NPI, the most specific NPI rule for the resolved payer and the facility (2100B
    /// `REF*1J`) is sent as NM108 `XX`/NM109. `None` when no rule applies. `inquiry` is updated
    /// to read as the new text would (cheaper than reading it again).
    pub fn apply<'a>(&'a self, x12: &str, inquiry: &mut Inquiry<'a>, today: &str) -> Option<Added> {
        let sent_payer = inquiry.payer_id();
        let alias = sent_payer.and_then(|p| self.aliases.resolve(p, today));
        let payer = alias.map(|a| a.payer_id.as_str()).or(sent_payer);
        let lacked = lacked_npi(inquiry);
        let facility = inquiry
            .provider
            .refs
            .iter()
            .find(|(q, _)| *q == "1J")
            .map(|(_, v)| *v);
        let rule = lacked
            .as_ref()
            .and_then(|_| self.npis.resolve(payer, facility));
        let spliced = splice(
            x12,
            Edits {
                payer_id: alias.map(|a| a.payer_id.as_str()),
                npi: rule.map(|r| r.npi.as_str()),
            },
        )?;
        if let (Some(a), Some(_)) = (alias, spliced.payer_at) {
            inquiry.payer.id = Some(a.payer_id.as_str());
        }
        if let (Some(r), Some(_)) = (rule, spliced.provider_at) {
            inquiry.provider.id_qualifier = Some("XX");
            inquiry.provider.id = Some(r.npi.as_str());
        }
        let payer_alias = alias
            .zip(sent_payer)
            .zip(spliced.payer_at)
            .map(|((a, sent), at)| AliasApplied {
                rule: format!("accounts.{}.payer_aliases[{}]", self.account, a.index),
                alias: sent.to_owned(),
                payer_id: a.payer_id.clone(),
                in_effect: a.range(),
                segment_position: at,
            });
        let npi_rule = rule
            .zip(lacked)
            .zip(spliced.provider_at)
            .map(|((r, lacked), at)| NpiApplied {
                rule: format!("accounts.{}.npi_rules[{}]", self.account, r.index),
                npi: r.npi.clone(),
                level: r.level(),
                lacked,
                segment_position: at,
            });
        Some(Added {
            x12: spliced.text,
            applied: Applied {
                payer_alias,
                npi_rule,
            },
        })
    }
}

/// Why 2100B needed an NPI, or `None` when it has a valid one (which is always kept).
fn lacked_npi(inquiry: &Inquiry<'_>) -> Option<Lacked> {
    let p = &inquiry.provider;
    match (p.id_qualifier, p.id) {
        (Some("XX"), Some(id)) if is_valid_npi(id) => None,
        (Some("XX"), _) => Some(Lacked::InvalidNpi),
        (Some(q), _) => Some(Lacked::OtherQualifier(q.to_owned())),
        (None, _) => Some(Lacked::NoIdentifier),
    }
}

/// What the account's rules changed in one 270; the store records it with the transaction and
/// the caller reads it as warnings ([`Applied::warnings`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Applied {
    /// The payer alias replaced, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payer_alias: Option<AliasApplied>,
    /// The NPI rule applied, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npi_rule: Option<NpiApplied>,
}

/// A payer alias applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AliasApplied {
    /// The configuration key of the alias, `accounts.<id>.payer_aliases[<n>]`.
    pub rule: String,
    /// The payer ID the request carried.
    pub alias: String,
    /// The payer ID sent upstream.
    pub payer_id: String,
    /// The alias's effective range, as words.
    pub in_effect: String,
    /// The 2100A `NM1`'s position in the transaction set (`ST` = 1).
    pub segment_position: u32,
}

/// An NPI rule applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NpiApplied {
    /// The configuration key of the rule, `accounts.<id>.npi_rules[<n>]`.
    pub rule: String,
    /// The NPI sent.
    pub npi: String,
    /// How specific the rule is.
    pub level: Level,
    /// What the request had instead.
    pub lacked: Lacked,
    /// The 2100B `NM1`'s position in the transaction set (`ST` = 1).
    pub segment_position: u32,
}

/// What 2100B carried instead of a valid NPI (never the value itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lacked {
    /// No NM108/NM109.
    NoIdentifier,
    /// Another identifier, by its NM108 qualifier (e.g. `SV`, `FI`).
    OtherQualifier(String),
    /// NM108 `XX` with an NM109 that is not a valid NPI.
    InvalidNpi,
}

impl Applied {
    /// Nothing applied.
    pub fn is_empty(&self) -> bool {
        self.payer_alias.is_none() && self.npi_rule.is_none()
    }

    /// One warning per rule applied, alias first.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::with_capacity(2);
        if let Some(a) = &self.payer_alias {
            out.push(Warning {
                code: "value_add::payer_alias_applied".into(),
                description: format!(
                    "Payer ID `{}` is an alias ({}, in effect {}): the 270 was sent with payer ID `{}`.",
                    a.alias, a.rule, a.in_effect, a.payer_id
                ),
                location: Some("Loop 2100A".into()),
                segment: Some("NM1".into()),
                segment_position: Some(a.segment_position),
                element: Some(9),
            });
        }
        if let Some(n) = &self.npi_rule {
            let had = match &n.lacked {
                Lacked::NoIdentifier => "had no provider identifier".to_owned(),
                Lacked::OtherQualifier(q) => {
                    format!("identified the provider by NM108 `{q}`, not by an NPI")
                }
                Lacked::InvalidNpi => "had an NPI whose check digit does not match".to_owned(),
            };
            out.push(Warning {
                code: "value_add::npi_rule_applied".into(),
                description: format!(
                    "The 270 {had} in loop 2100B: NPI `{}` from {} ({}) was sent as NM108 `XX`/NM109.",
                    n.npi,
                    n.rule,
                    n.level.describe()
                ),
                location: Some("Loop 2100B".into()),
                segment: Some("NM1".into()),
                segment_position: Some(n.segment_position),
                element: Some(9),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests;
