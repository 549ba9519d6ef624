//! `[payers]`: which connector answers which payer ID (2100A NM109), and the connectors. Payer IDs
//! are strings (`00006` is not `6`) and match without regard to ASCII case, because environment
//! variable keys arrive lower-cased.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::SettingsError;
use super::secret::SecretRef;

/// The built-in sandbox connector's name; it needs no `[payers.connectors]` entry.
pub const SANDBOX: &str = "sandbox";

/// `[payers]`. Accounts with `mode = "sandbox"` never use it: they always get the sandbox.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerRoutes {
    /// Connector for payer IDs without a route: a connector name, `"sandbox"`, or `""` for none
    /// (such requests get 400, "payer not configured").
    #[serde(default)]
    pub default: String,
    /// Payer ID → connector name.
    #[serde(default)]
    pub routes: BTreeMap<String, String>,
    /// Connectors by name.
    #[serde(default)]
    pub connectors: BTreeMap<String, ConnectorSettings>,
}

/// How a connector reaches its upstream.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ConnectorKind {
    /// A Change-compatible raw-X12 JSON endpoint.
    Http,
    /// CAQH CORE Phase II real-time SOAP.
    CaqhCore,
}

/// Which Change-compatible API an `http` connector talks to; decides its authentication.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum HttpFlavor {
    /// Change Healthcare / Optum: OAuth client credentials against `token_url`.
    Change,
    /// Stedi: an API key in `Authorization`.
    Stedi,
}

/// `[payers.connectors.<name>]`. One flat table (not a tagged enum) so numeric and string values
/// from environment variables parse alike and unknown keys are refused; `check` enforces which
/// keys each kind needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorSettings {
    /// `http` or `caqh-core`.
    pub kind: ConnectorKind,
    /// The raw-X12 endpoint (`http`) or the SOAP endpoint (`caqh-core`).
    pub url: String,
    /// `http` only: `change` or `stedi`.
    #[serde(default)]
    pub flavor: Option<HttpFlavor>,
    /// `change`: the upstream's token endpoint.
    #[serde(default)]
    pub token_url: Option<String>,
    /// `change`: our client ID at the upstream (an identifier, not a secret).
    #[serde(default)]
    pub client_id: Option<String>,
    /// `change`: environment variable holding our client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// `change`: file holding our client secret.
    #[serde(default)]
    pub client_secret_file: Option<String>,
    /// `stedi`: environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// `stedi`: file holding the API key.
    #[serde(default)]
    pub api_key_file: Option<String>,
    /// `caqh-core`: the envelope's `SenderID`.
    #[serde(default)]
    pub sender_id: Option<String>,
    /// `caqh-core`: the envelope's `ReceiverID`.
    #[serde(default)]
    pub receiver_id: Option<String>,
    /// `caqh-core`: the WS-Security username.
    #[serde(default)]
    pub username: Option<String>,
    /// `caqh-core`: environment variable holding the WS-Security password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// `caqh-core`: file holding the WS-Security password.
    #[serde(default)]
    pub password_file: Option<String>,
    /// Requests in flight to this connector at once, across replicas with the Redis backend
    /// (none = no cap). Payers cap clearinghouses; over it the caller gets 503.
    #[serde(default)]
    pub max_in_flight: Option<u32>,
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("https://") || url.starts_with("http://")
}

impl ConnectorSettings {
    fn secret(name: &str, field: &str, env: Option<&String>, file: Option<&String>) -> SecretRef {
        SecretRef::new(
            format!("payers.connectors.{name}.{field}"),
            env.map(String::as_str),
            file.map(String::as_str),
        )
    }

    /// `change`: our client secret at the upstream.
    pub fn client_secret(&self, name: &str) -> SecretRef {
        let (env, file) = (
            self.client_secret_env.as_ref(),
            self.client_secret_file.as_ref(),
        );
        Self::secret(name, "client_secret", env, file)
    }

    /// `stedi`: the API key.
    pub fn api_key(&self, name: &str) -> SecretRef {
        Self::secret(
            name,
            "api_key",
            self.api_key_env.as_ref(),
            self.api_key_file.as_ref(),
        )
    }

    /// `caqh-core`: the WS-Security password.
    pub fn password(&self, name: &str) -> SecretRef {
        Self::secret(
            name,
            "password",
            self.password_env.as_ref(),
            self.password_file.as_ref(),
        )
    }

    fn check(&self, name: &str) -> Result<(), SettingsError> {
        let key = |field: &str| format!("payers.connectors.{name}.{field}");
        if self.max_in_flight == Some(0) {
            return Err(SettingsError::invalid(
                key("max_in_flight"),
                "must be at least 1 (leave it out for no cap)",
            ));
        }
        if !is_http_url(&self.url) {
            return Err(SettingsError::invalid(
                key("url"),
                "must start with `https://` or `http://`",
            ));
        }
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        let secrets = [
            self.client_secret(name),
            self.api_key(name),
            self.password(name),
        ];
        for s in &secrets {
            s.check()?;
        }
        let [client_secret, api_key, password] = secrets;
        // (field as named in errors, whether set).
        let fields = [
            ("flavor", self.flavor.is_some()),
            ("token_url", filled(&self.token_url)),
            ("client_id", filled(&self.client_id)),
            ("client_secret_env", client_secret.is_set()),
            ("api_key_env", api_key.is_set()),
            ("sender_id", filled(&self.sender_id)),
            ("receiver_id", filled(&self.receiver_id)),
            ("username", filled(&self.username)),
            ("password_env", password.is_set()),
        ];
        let (what, needed): (&str, &[&str]) = match (self.kind, self.flavor) {
            (ConnectorKind::Http, None) => {
                return Err(SettingsError::invalid(
                    key("flavor"),
                    "is required for kind = \"http\": \"change\" or \"stedi\"",
                ));
            }
            (ConnectorKind::Http, Some(HttpFlavor::Change)) => (
                "flavor = \"change\"",
                &["flavor", "token_url", "client_id", "client_secret_env"],
            ),
            (ConnectorKind::Http, Some(HttpFlavor::Stedi)) => {
                ("flavor = \"stedi\"", &["flavor", "api_key_env"])
            }
            (ConnectorKind::CaqhCore, _) => (
                "kind = \"caqh-core\"",
                &["sender_id", "receiver_id", "username", "password_env"],
            ),
        };
        for (field, set) in fields {
            let secret_alt = field
                .strip_suffix("_env")
                .map(|f| format!(" (or `{f}_file`)"))
                .unwrap_or_default();
            match (needed.contains(&field), set) {
                (true, false) => {
                    return Err(SettingsError::invalid(
                        key(field),
                        format!("{secret_alt} is required for {what}")
                            .trim_start()
                            .to_owned(),
                    ));
                }
                (false, true) => {
                    return Err(SettingsError::invalid(
                        key(field),
                        format!("{secret_alt} does not apply to {what}")
                            .trim_start()
                            .to_owned(),
                    ));
                }
                _ => {}
            }
        }
        if self.token_url.as_deref().is_some_and(|u| !is_http_url(u)) {
            return Err(SettingsError::invalid(
                key("token_url"),
                "must start with `https://` or `http://`",
            ));
        }
        Ok(())
    }
}

impl PayerRoutes {
    fn target_exists(&self, name: &str) -> bool {
        name == SANDBOX || self.connectors.contains_key(name)
    }

    /// Route targets exist, each connector has what its kind needs, no payer ID is routed twice.
    pub(super) fn check(&self) -> Result<(), SettingsError> {
        for (name, connector) in &self.connectors {
            if name == SANDBOX {
                return Err(SettingsError::invalid(
                    format!("payers.connectors.{name}"),
                    "is the built-in sandbox connector's name; choose another",
                ));
            }
            connector.check(name)?;
        }
        if !self.default.is_empty() && !self.target_exists(&self.default) {
            return Err(SettingsError::invalid(
                "payers.default",
                format!(
                    "names the connector `{}`, which is neither `sandbox` nor in `payers.connectors`",
                    self.default
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (payer, target) in &self.routes {
            let key = format!("payers.routes.{payer}");
            if payer.trim().is_empty() || payer.trim() != payer {
                return Err(SettingsError::invalid(
                    key,
                    "must be a payer ID without spaces",
                ));
            }
            if !self.target_exists(target) {
                return Err(SettingsError::invalid(
                    key,
                    format!(
                        "names the connector `{target}`, which is neither `sandbox` nor in `payers.connectors`"
                    ),
                ));
            }
            if !seen.insert(payer.to_ascii_uppercase()) {
                return Err(SettingsError::invalid(
                    key,
                    "is routed twice (payer IDs match without regard to case)",
                ));
            }
        }
        Ok(())
    }
}
