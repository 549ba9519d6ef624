//! API keys: stored as SHA-256 digests, compared in constant time. Accepted forms:
//! `Authorization: <key>` and `Authorization: Key <key>` (Stedi).

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use crate::config::{Mode, Settings, parse_key_hash};

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account ID.
    pub account: Arc<str>,
    /// How its requests are routed.
    pub mode: Mode,
}

/// The key digests of every account.
#[derive(Debug, Default)]
pub struct Accounts {
    keys: Vec<([u8; 32], Caller)>,
}

/// SHA-256 of a key, as `sha256:<hex>` (what `hash-key` prints and config stores).
pub fn hash_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl Accounts {
    /// The accounts of `settings` (hashes were checked when the settings loaded).
    pub fn from_settings(settings: &Settings) -> Self {
        let mut keys = Vec::new();
        for (id, a) in &settings.accounts {
            let caller = Caller {
                account: Arc::from(id.as_str()),
                mode: a.mode,
            };
            keys.extend(
                a.api_key_hashes
                    .iter()
                    .filter_map(|h| parse_key_hash(h))
                    .map(|h| (h, caller.clone())),
            );
        }
        Self { keys }
    }

    /// The caller owning `key`. Compares against every stored digest in constant time, without
    /// stopping at a match, so timing tells nothing about which digest matched.
    pub fn by_key(&self, key: &str) -> Option<Caller> {
        let digest: [u8; 32] = Sha256::digest(key.as_bytes()).into();
        let mut found = None;
        for (stored, caller) in &self.keys {
            if bool::from(stored.ct_eq(&digest)) {
                found = Some(caller.clone());
            }
        }
        found
    }
}

/// Cuts the credential out of an `Authorization` value: `<key>` or `Key <key>`.
pub fn api_key(value: &str) -> &str {
    let v = value.trim();
    v.strip_prefix("Key ")
        .or_else(|| v.strip_prefix("key "))
        .map_or(v, str::trim)
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::Unauthorized(
            "Missing Authorization header. Send `Authorization: <api-key>` or `Authorization: Key <api-key>`.",
        ))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::Unauthorized("The Authorization header is not valid text."))?;
        let caller = state
            .accounts
            .by_key(api_key(value))
            .ok_or(ApiError::Unauthorized("The API key is not valid."))?;
        tracing::Span::current().record("account", &*caller.account);
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hash_and_match_only_their_account() {
        assert_eq!(
            hash_key("sandbox-api-key"),
            "sha256:c27f1dc0436e6ea2fe495afbfeee34098fbdebccedb5fea4bdf71e967eaaf594"
        );
        let accounts = Accounts::from_settings(&Settings::defaults().unwrap());
        assert_eq!(
            accounts
                .by_key("sandbox-api-key")
                .map(|c| c.account.to_string()),
            Some("demo".into())
        );
        assert!(accounts.by_key("sandbox-api-key ").is_none());
        assert!(accounts.by_key("").is_none());
    }

    #[test]
    fn both_header_forms() {
        assert_eq!(api_key("sandbox-api-key"), "sandbox-api-key");
        assert_eq!(api_key("Key sandbox-api-key"), "sandbox-api-key");
        assert_eq!(api_key("  Key   sandbox-api-key "), "sandbox-api-key");
    }
}
