//! Payer aliases: an account's own payer ID mapped to the real one for a range of days.

use crate::config::{PayerAliasSettings, SettingsError};
use crate::x12::date::is_ccyymmdd;

/// One alias, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    /// What the account sends; matched ignoring ASCII case, as payer routes are.
    pub alias: String,
    /// The payer ID sent upstream instead.
    pub payer_id: String,
    /// First day it applies, `CCYYMMDD`; `None`: always did.
    pub from: Option<String>,
    /// Last day it applies, `CCYYMMDD`; `None`: no end.
    pub until: Option<String>,
    /// Index in `accounts.<id>.payer_aliases`, for the warning.
    pub index: usize,
}

impl Alias {
    /// True when `day` (`CCYYMMDD`) lies in the inclusive range. Eight-digit dates compare as text.
    pub fn applies_on(&self, day: &str) -> bool {
        self.from.as_deref().is_none_or(|f| f <= day)
            && self.until.as_deref().is_none_or(|u| day <= u)
    }

    /// The range as the operator wrote it, for messages: `2026-01-01 to 2026-12-31`, `any day`.
    pub fn range(&self) -> String {
        let show = |d: Option<&str>, open: &str| {
            d.and_then(|d| Some(format!("{}-{}-{}", d.get(..4)?, d.get(4..6)?, d.get(6..)?)))
                .unwrap_or_else(|| open.to_owned())
        };
        if self.from.is_none() && self.until.is_none() {
            return "any day".to_owned();
        }
        format!(
            "{} to {}",
            show(self.from.as_deref(), "the start"),
            show(self.until.as_deref(), "no end")
        )
    }
}

/// An account's aliases.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aliases(Vec<Alias>);

impl Aliases {
    /// Checks `accounts.<account>.payer_aliases`: ids present and X12-safe, dates real, `from`
    /// not after `until`, and no two ranges of one alias sharing a day.
    pub fn compile(account: &str, list: &[PayerAliasSettings]) -> Result<Self, SettingsError> {
        let mut out: Vec<Alias> = Vec::with_capacity(list.len());
        for (index, a) in list.iter().enumerate() {
            let key = format!("accounts.{account}.payer_aliases[{index}]");
            payer_id(&format!("{key}.alias"), &a.alias)?;
            payer_id(&format!("{key}.payer_id"), &a.payer_id)?;
            if a.alias.eq_ignore_ascii_case(&a.payer_id) {
                return Err(SettingsError::invalid(
                    format!("{key}.payer_id"),
                    "is the alias itself; remove the entry",
                ));
            }
            let from = a
                .from
                .as_deref()
                .map(|d| date(&format!("{key}.from"), d))
                .transpose()?;
            let until = a
                .until
                .as_deref()
                .map(|d| date(&format!("{key}.until"), d))
                .transpose()?;
            if let (Some(f), Some(u)) = (&from, &until)
                && f > u
            {
                return Err(SettingsError::invalid(
                    format!("{key}.until"),
                    "is before `from` (both days are inclusive)",
                ));
            }
            let alias = Alias {
                alias: a.alias.clone(),
                payer_id: a.payer_id.clone(),
                from,
                until,
                index,
            };
            if let Some(other) = out
                .iter()
                .find(|o| o.alias.eq_ignore_ascii_case(&alias.alias) && overlap(o, &alias))
            {
                return Err(SettingsError::invalid(
                    format!("{key}.alias"),
                    format!(
                        "overlaps accounts.{account}.payer_aliases[{}] (the same alias on {}); give each range its own days",
                        other.index,
                        other.range()
                    ),
                ));
            }
            out.push(alias);
        }
        Ok(Self(out))
    }

    /// The alias for `payer_id` in effect on `day` (`CCYYMMDD`). Ranges of one alias never
    /// overlap, so there is at most one. Not chained: the result is sent as it is.
    pub fn resolve(&self, payer_id: &str, day: &str) -> Option<&Alias> {
        self.0
            .iter()
            .find(|a| a.alias.eq_ignore_ascii_case(payer_id) && a.applies_on(day))
    }

    /// No aliases.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn overlap(a: &Alias, b: &Alias) -> bool {
    // [a.from, a.until] and [b.from, b.until] share a day unless one ends before the other starts.
    let ends_before = |x: &Alias, y: &Alias| match (&x.until, &y.from) {
        (Some(u), Some(f)) => u < f,
        _ => false,
    };
    !ends_before(a, b) && !ends_before(b, a)
}

/// A payer ID as NM109 carries it: 2 to 80 characters, letters, digits and `-`/`.` only, so it
/// can never contain an interchange's delimiter.
pub(super) fn payer_id(key: &str, v: &str) -> Result<(), SettingsError> {
    if v.len() < 2
        || v.len() > 80
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(SettingsError::invalid(
            key,
            "must be a payer ID of 2 to 80 letters, digits, `-` or `.` (quote it: \"00006\")",
        ));
    }
    Ok(())
}

/// `YYYY-MM-DD` (a TOML date literal arrives as the same text) into `CCYYMMDD`.
fn date(key: &str, v: &str) -> Result<String, SettingsError> {
    let bad = || {
        SettingsError::invalid(
            key,
            "must be a date `YYYY-MM-DD` that exists (leave the key out for an open range)",
        )
    };
    let b = v.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return Err(bad());
    }
    let compact: String = v.chars().filter(|c| *c != '-').collect();
    if is_ccyymmdd(&compact) {
        Ok(compact)
    } else {
        Err(bad())
    }
}
