//! Access tokens: HS256 JWTs carrying the account (`sub`), issuer, issue and expiry times. They are
//! checked by signature and claims alone, so there is no token store and every instance holding the
//! key accepts them.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{OAuthSettings, SettingsError};

/// HS256 wants a key at least as long as its output.
const MIN_KEY_BYTES: usize = 32;

/// Signs and checks access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    ttl_secs: u64,
}

impl fmt::Debug for TokenKeys {
    // The keys are secret; only the public parameters print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("ttl_secs", &self.ttl_secs)
            .finish_non_exhaustive()
    }
}

/// The claims we sign. `client_id` says which client asked, for audits.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    sub: String,
    iat: u64,
    exp: u64,
    #[serde(default)]
    jti: String,
    #[serde(default)]
    client_id: String,
}

/// A freshly signed token.
#[derive(Debug)]
pub struct Issued {
    /// The JWT.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Well signed, but past `exp`.
    #[error("the access token has expired")]
    Expired,
    /// Not ours: bad signature, wrong issuer or algorithm, missing claims, not a JWT.
    #[error("the access token is not valid")]
    Invalid,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl TokenKeys {
    /// Keys for `secret`; tokens name `issuer` and live `ttl_secs`.
    pub fn new(secret: &[u8], issuer: &str, ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Issuer and verifier share a clock (or a key across replicas): no grace after `exp`.
        validation.leeway = 0;
        validation.validate_aud = false;
        validation.set_issuer(&[issuer]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            ttl_secs,
        }
    }

    /// Keys from `[oauth]`: the configured signing key, or a random one (with a warning) when none
    /// is configured. `lookup` reads environment variables.
    pub fn from_settings(
        settings: &OAuthSettings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let source = settings.signing_key();
        let secret = if let Some(key) = source.read(lookup)? {
            if key.len() < MIN_KEY_BYTES {
                return Err(SettingsError::Invalid {
                    key: source.key_in_use(),
                    problem: format!("names a signing key shorter than {MIN_KEY_BYTES} bytes"),
                });
            }
            key.into_bytes()
        } else {
            let mut key = vec![0u8; MIN_KEY_BYTES];
            getrandom::fill(&mut key).map_err(|e| SettingsError::Invalid {
                key: source.env_key(),
                problem: format!("is not set and no random signing key could be made: {e}"),
            })?;
            tracing::warn!(
                "no OAuth signing key configured (oauth.signing_key_env / oauth.signing_key_file): \
                 signing tokens with a random key made at start-up; they stop working at restart \
                 and other instances refuse them"
            );
            key
        };
        Ok(Self::new(
            &secret,
            &settings.issuer,
            settings.token_ttl_secs,
        ))
    }

    /// A token for `account`, asked for by `client_id`.
    pub fn issue(
        &self,
        account: &str,
        client_id: &str,
    ) -> Result<Issued, jsonwebtoken::errors::Error> {
        let iat = now_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: account.to_owned(),
            iat,
            exp: iat.saturating_add(self.ttl_secs),
            jti: uuid::Uuid::new_v4().to_string(),
            client_id: client_id.to_owned(),
        };
        let access_token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(Issued {
            access_token,
            expires_in: self.ttl_secs,
        })
    }

    /// The account a token was issued to, when its signature, issuer and expiry hold.
    pub fn verify(&self, token: &str) -> Result<String, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        let sub = data.claims.sub;
        if sub.is_empty() {
            return Err(TokenError::Invalid);
        }
        Ok(sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn craft(key: &[u8], iss: &str, exp: u64) -> String {
        let claims = Claims {
            iss: iss.into(),
            sub: "demo".into(),
            iat: exp.saturating_sub(10),
            exp,
            jti: "j".into(),
            client_id: "c".into(),
        };
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(key),
        )
        .unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_others_do_not() {
        let keys = TokenKeys::new(KEY, "gw", 60);
        let issued = keys.issue("demo", "sandbox-client").unwrap();
        assert_eq!(issued.expires_in, 60);
        assert_eq!(keys.verify(&issued.access_token).unwrap(), "demo");
        let later = now_secs() + 600;
        for (why, token, want) in [
            (
                "expired",
                craft(KEY, "gw", now_secs() - 1),
                TokenError::Expired,
            ),
            (
                "other key",
                craft(b"another-key-another-key-another-k", "gw", later),
                TokenError::Invalid,
            ),
            (
                "other issuer",
                craft(KEY, "someone-else", later),
                TokenError::Invalid,
            ),
            ("not a JWT", "abc".to_owned(), TokenError::Invalid),
            ("empty", String::new(), TokenError::Invalid),
        ] {
            assert_eq!(keys.verify(&token), Err(want), "{why}");
        }
        // The payload swapped under a valid signature.
        let good = craft(KEY, "gw", later);
        let other = craft(KEY, "gw", later + 1);
        let mut parts: Vec<&str> = good.split('.').collect();
        parts[1] = other.split('.').nth(1).unwrap();
        assert_eq!(keys.verify(&parts.join(".")), Err(TokenError::Invalid));
    }

    #[test]
    fn keys_come_from_settings_or_are_random() {
        let mut s = crate::config::Settings::defaults().unwrap().oauth;
        let random = TokenKeys::from_settings(&s, &|_| None).unwrap();
        let other = TokenKeys::from_settings(&s, &|_| None).unwrap();
        let t = random.issue("demo", "c").unwrap().access_token;
        assert_eq!(
            other.verify(&t),
            Err(TokenError::Invalid),
            "two random keys differ"
        );
        s.signing_key_env = "GW_KEY".into();
        let lookup = |_: &str| Some(String::from_utf8(KEY.to_vec()).unwrap());
        let keys = TokenKeys::from_settings(&s, &lookup).unwrap();
        assert_eq!(
            TokenKeys::new(KEY, &s.issuer, 1)
                .verify(&keys.issue("demo", "c").unwrap().access_token)
                .unwrap(),
            "demo"
        );
        let e = TokenKeys::from_settings(&s, &|_| Some("short".into()))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("oauth.signing_key_env") && e.contains("32 bytes"),
            "{e}"
        );
        assert!(
            !format!("{keys:?}").contains("0123456789abcdef"),
            "Debug hides the key"
        );
    }
}
