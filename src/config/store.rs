//! `[store]` and `[deduplication]`: where transactions are kept, under which keys, for how long,
//! and what a request does while the store cannot answer. The URL may hold a password, so it is
//! redacted in `Debug`.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::SettingsError;
use super::limits::redact_url;
use super::secret::SecretRef;

/// What an eligibility request does while the store cannot record it.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnStoreError {
    /// Answer anyway; the lost record is counted and the outage logged.
    Serve,
    /// Answer 503 `SERVICE_UNAVAILABLE` until the store answers again.
    Refuse,
}

/// `[store]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// Record transactions at all.
    pub enabled: bool,
    /// `sqlite://path` or `postgres://…`; may hold a password, so never printed.
    #[serde(default)]
    pub url: String,
    /// Environment variable holding the URL instead.
    #[serde(default)]
    pub url_env: String,
    /// File holding the URL instead.
    #[serde(default)]
    pub url_file: String,
    /// Transactions older than this many days are purged.
    pub retention_days: u32,
    /// `serve` or `refuse`.
    pub on_error: OnStoreError,
    /// The longest one store call may add to a request (the duplicate lookup) or take (a write).
    pub timeout_ms: u64,
    /// Environment variable holding the encryption key (32 bytes, base64).
    #[serde(default)]
    pub encryption_key_env: String,
    /// File holding the encryption key (32 bytes, base64).
    #[serde(default)]
    pub encryption_key_file: String,
    /// Files holding older keys that still decrypt (rotation).
    #[serde(default)]
    pub decryption_key_files: Vec<String>,
    /// Records waiting for the writer at most; past it a record is dropped and counted.
    pub queue_capacity: usize,
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("enabled", &self.enabled)
            .field("url", &redact_url(&self.url))
            .field("url_env", &self.url_env)
            .field("url_file", &self.url_file)
            .field("retention_days", &self.retention_days)
            .field("on_error", &self.on_error)
            .field("timeout_ms", &self.timeout_ms)
            .field("encryption_key_env", &self.encryption_key_env)
            .field("encryption_key_file", &self.encryption_key_file)
            .field("decryption_key_files", &self.decryption_key_files)
            .field("queue_capacity", &self.queue_capacity)
            .finish()
    }
}

impl StoreSettings {
    /// The longest one store call may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Where the encryption key comes from.
    pub fn encryption_key(&self) -> SecretRef {
        SecretRef::new(
            "store.encryption_key",
            Some(&self.encryption_key_env),
            Some(&self.encryption_key_file),
        )
    }

    fn url_secret(&self) -> SecretRef {
        SecretRef::new("store.url", Some(&self.url_env), Some(&self.url_file))
    }

    /// The URL in force (inline, or read from its variable or file) with the key it came from;
    /// errors name the key, never the URL.
    pub fn resolved_url(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(String, String), SettingsError> {
        let secret = self.url_secret();
        if secret.is_set() {
            if !self.url.is_empty() {
                return Err(SettingsError::invalid(
                    "store.url",
                    format!("and `{}` are both set; set only one", secret.key_in_use()),
                ));
            }
            let key = secret.key_in_use();
            return Ok((secret.read_required(lookup)?, key));
        }
        Ok((self.url.clone(), "store.url".into()))
    }

    pub(crate) fn check(&self) -> Result<(), SettingsError> {
        if self.timeout_ms == 0 {
            return Err(SettingsError::invalid(
                "store.timeout_ms",
                "must be at least 1",
            ));
        }
        if self.retention_days == 0 {
            return Err(SettingsError::invalid(
                "store.retention_days",
                "must be at least 1",
            ));
        }
        if self.queue_capacity == 0 {
            return Err(SettingsError::invalid(
                "store.queue_capacity",
                "must be at least 1",
            ));
        }
        self.encryption_key().check()?;
        self.url_secret().check()?;
        if self.enabled && self.url.is_empty() && !self.url_secret().is_set() {
            return Err(SettingsError::invalid(
                "store.url",
                "must be set (sqlite://… or postgres://…) while store.enabled is true",
            ));
        }
        Ok(())
    }
}

/// `[deduplication]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeduplicationSettings {
    /// How far back a materially identical request is replayed (hours); 0 turns it off.
    pub lookback_hours: u32,
    /// Never replay an answer from an earlier calendar month (UTC): coverage changes on month
    /// boundaries (Optum's "prior-month exclusion").
    #[serde(default)]
    pub exclude_prior_month: bool,
}
