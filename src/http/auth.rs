//! Credentials: API keys and OAuth client secrets are stored as SHA-256 digests and compared in
//! constant time. Accepted forms: `Authorization: <key>`, `Authorization: Key <key>` (Stedi) and
//! `Authorization: Bearer <token>` (Change, a token from `/apip/auth/v2/token`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::AppState;
use super::error::ApiError;
use super::token::TokenError;
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
    /// (client ID, secret digest, owner).
    clients: Vec<(String, [u8; 32], Caller)>,
    by_id: HashMap<String, Caller>,
}

impl Accounts {
    /// The accounts of `settings` (hashes were checked when the settings loaded).
    pub fn from_settings(settings: &Settings) -> Self {
        let mut keys = Vec::new();
        let mut clients = Vec::new();
        let mut by_id = HashMap::new();
        let demo_off = !settings.sandbox.demo_account;
        for (id, a) in &settings.accounts {
            if demo_off && id == crate::config::DEMO_ACCOUNT {
                continue;
            }
            let caller = Caller {
                account: Arc::from(id.as_str()),
                mode: a.mode,
            };
            clients.extend(a.oauth_clients.iter().filter_map(|c| {
                parse_key_hash(&c.secret_hash).map(|h| (c.client_id.clone(), h, caller.clone()))
            }));
            by_id.insert(id.clone(), caller.clone());
            keys.extend(
                a.api_key_hashes
                    .iter()
                    .filter_map(|h| parse_key_hash(h))
                    .map(|h| (h, caller.clone())),
            );
        }
        Self {
            keys,
            clients,
            by_id,
        }
    }

    /// The account `id` (a bearer token's subject), when it still exists.
    pub fn by_account(&self, id: &str) -> Option<Caller> {
        self.by_id.get(id).cloned()
    }

    /// The caller owning client `client_id` when `secret` is its secret. Every client is compared,
    /// ID and digest in constant time, so timing tells neither which client exists nor how close
    /// a secret came.
    pub fn by_client(&self, client_id: &str, secret: &str) -> Option<Caller> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let mut found = None;
        for (id, stored, caller) in &self.clients {
            let same = id.as_bytes().ct_eq(client_id.as_bytes()) & stored.ct_eq(&digest);
            if bool::from(same) {
                found = Some(caller.clone());
            }
        }
        found
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

/// The token of a `Bearer <token>` value (scheme case-insensitive), if that is the form.
pub fn bearer(value: &str) -> Option<&str> {
    let v = value.trim();
    // `Bearer` alone is an empty token, not an API key named "Bearer".
    if v.eq_ignore_ascii_case("bearer") {
        return Some("");
    }
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
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
        // Two credentials are ambiguous (a proxy may have added one): refused, never guessed.
        if parts.headers.get_all(AUTHORIZATION).iter().nth(1).is_some() {
            return Err(ApiError::BadBody {
                message: "The request has more than one `Authorization` header; send exactly one."
                    .into(),
                path: None,
            });
        }
        let header = parts.headers.get(AUTHORIZATION).ok_or(ApiError::Unauthorized(
            "Missing Authorization header. Send `Authorization: <api-key>`, `Authorization: Key <api-key>` or `Authorization: Bearer <access-token>`.",
        ))?;
        let value = header
            .to_str()
            .map_err(|_| ApiError::Unauthorized("The Authorization header is not valid text."))?;
        let caller = if let Some(token) = bearer(value) {
            if token.is_empty() {
                return Err(ApiError::Unauthorized(
                    "The Bearer token is empty. Send `Authorization: Bearer <access-token>` with a token from POST /apip/auth/v2/token.",
                ));
            }
            let account = state.tokens.verify(token).map_err(|e| {
                ApiError::Unauthorized(match e {
                    TokenError::Expired => {
                        "The access token has expired; get a new one from POST /apip/auth/v2/token."
                    }
                    TokenError::Invalid => "The access token is not valid.",
                })
            })?;
            // An account removed since the token was signed loses access at once.
            state
                .accounts
                .by_account(&account)
                .ok_or(ApiError::Unauthorized("The access token is not valid."))?
        } else {
            state
                .accounts
                .by_key(api_key(value))
                .ok_or(ApiError::Unauthorized("The API key is not valid."))?
        };
        tracing::Span::current().record("account", &*caller.account);
        if let Some(cell) = parts.extensions.get::<super::metrics::AccountCell>() {
            let _ = cell.0.set(Arc::clone(&caller.account));
        }
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::hash_key;

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
    fn client_secrets_match_only_their_client() {
        let accounts = Accounts::from_settings(&Settings::defaults().unwrap());
        let demo = accounts.by_client("sandbox-client", "sandbox-secret");
        assert_eq!(demo.map(|c| c.account.to_string()), Some("demo".into()));
        assert!(
            accounts
                .by_client("sandbox-client", "sandbox-api-key")
                .is_none()
        );
        assert!(
            accounts
                .by_client("other-client", "sandbox-secret")
                .is_none()
        );
        assert!(accounts.by_client("", "").is_none());
        assert!(accounts.by_account("demo").is_some());
        assert!(accounts.by_account("nobody").is_none());
    }

    #[test]
    fn bearer_values() {
        assert_eq!(bearer("Bearer abc.def"), Some("abc.def"));
        assert_eq!(bearer("bearer  abc "), Some("abc"));
        assert_eq!(bearer("sandbox-api-key"), None);
        assert_eq!(bearer("Key abc"), None);
        assert_eq!(bearer("Bearer"), Some(""));
        assert_eq!(bearer(" bearer  "), Some(""));
    }

    #[test]
    fn both_header_forms() {
        assert_eq!(api_key("sandbox-api-key"), "sandbox-api-key");
        assert_eq!(api_key("Key sandbox-api-key"), "sandbox-api-key");
        assert_eq!(api_key("  Key   sandbox-api-key "), "sandbox-api-key");
    }
}
