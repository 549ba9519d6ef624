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
    /// What the connector sends: `eligibility`, `claim_status` (a list, or one comma-separated
    /// string); absent = both (an `http` connector whose claim status route cannot be derived
    /// from `url` then serves eligibility only).
    #[serde(default, deserialize_with = "transactions")]
    pub transactions: Option<Vec<String>>,
    /// `http` only: the upstream's claim status raw-X12 endpoint; by default `url` with its
    /// `/medicalnetwork/eligibility/v3/raw-x12` ending replaced by
    /// `/medicalnetwork/claimstatus/v2/raw-x12` (Change's and Stedi's layout alike).
    #[serde(default)]
    pub claim_status_url: Option<String>,
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
    /// This connector's deadline for one request, retries included; overrides
    /// `payer.timeout_ms` (CORE promises answers within 20 s, so some payers want less).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Retries of what cannot have reached the payer or what it asks to be retried (default 1).
    #[serde(default)]
    pub retries: Option<u32>,
    /// The circuit breaker; defaults apply when the table is absent.
    #[serde(default)]
    pub breaker: BreakerSettings,
    /// `caqh-core`: `soap` (default) or `mime` (CORE HTTP+MIME multipart).
    #[serde(default)]
    pub envelope: Option<CoreEnvelope>,
    /// TLS: our client certificate chain (PEM), with `client_key_file`.
    #[serde(default)]
    pub client_cert_file: Option<String>,
    /// TLS: the client certificate's private key (PEM, PKCS#8 or RSA).
    #[serde(default)]
    pub client_key_file: Option<String>,
    /// TLS: certificate and key in one PKCS#12 file, instead of the two PEM files.
    #[serde(default)]
    pub client_pkcs12_file: Option<String>,
    /// TLS: environment variable holding the PKCS#12 file's password.
    #[serde(default)]
    pub client_pkcs12_password_env: Option<String>,
    /// TLS: a PEM bundle of CA certificates trusted *instead of* the public roots.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// TLS: the lowest version offered, `"1.2"` (default) or `"1.3"`.
    #[serde(default)]
    pub tls_min_version: Option<String>,
}

/// `[payers.connectors.<name>.breaker]`: after `failures` consecutive timeouts, connection errors
/// or 5xx the connector is skipped for `open_ms`, then one probe request decides.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BreakerSettings {
    /// Consecutive failures that open the breaker.
    #[serde(default = "BreakerSettings::default_failures")]
    pub failures: u32,
    /// How long it stays open before a probe.
    #[serde(default = "BreakerSettings::default_open_ms")]
    pub open_ms: u64,
}

impl BreakerSettings {
    fn default_failures() -> u32 {
        5
    }
    fn default_open_ms() -> u64 {
        30_000
    }
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failures: Self::default_failures(),
            open_ms: Self::default_open_ms(),
        }
    }
}

/// The CORE envelope a `caqh-core` connector speaks.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CoreEnvelope {
    /// SOAP 1.2 with WS-Security (`Username`/`Password` in the header).
    #[default]
    Soap,
    /// HTTP+MIME multipart/form-data.
    Mime,
}

/// The lowest TLS version a connector offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TlsMinVersion {
    /// TLS 1.2 (the default).
    #[default]
    V1_2,
    /// TLS 1.3 only.
    V1_3,
}

/// The transaction names `transactions` takes.
pub const TRANSACTIONS: [&str; 2] = ["eligibility", "claim_status"];

/// The path ending of an eligibility raw-X12 endpoint, and of its claim status twin.
const ELIGIBILITY_RAW: &str = "/medicalnetwork/eligibility/v3/raw-x12";
const CLAIM_STATUS_RAW: &str = "/medicalnetwork/claimstatus/v2/raw-x12";

fn transactions<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    super::list_or_csv(d).map(Some)
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

    /// `caqh-core`: the PKCS#12 password (environment variable only).
    pub fn pkcs12_password(&self, name: &str) -> SecretRef {
        Self::secret(
            name,
            "client_pkcs12_password",
            self.client_pkcs12_password_env.as_ref(),
            None,
        )
    }

    /// The lowest TLS version, once `check` has passed.
    pub fn tls_min(&self) -> TlsMinVersion {
        match self.tls_min_version.as_deref().map(str::trim) {
            Some("1.3") => TlsMinVersion::V1_3,
            _ => TlsMinVersion::V1_2,
        }
    }

    /// Whether the connector sends `transaction` (one of [`TRANSACTIONS`]), as configured; an
    /// `http` connector also needs [`ConnectorSettings::claim_status_endpoint`] for claim status.
    pub fn serves(&self, transaction: &str) -> bool {
        match &self.transactions {
            Some(list) => list.iter().any(|t| t == transaction),
            None => {
                transaction != "claim_status"
                    || self.kind == ConnectorKind::CaqhCore
                    || self.claim_status_endpoint().is_some()
            }
        }
    }

    /// `http`: the claim status raw-X12 endpoint, `claim_status_url` or derived from `url`.
    pub fn claim_status_endpoint(&self) -> Option<String> {
        if let Some(u) = self.claim_status_url.as_deref().map(str::trim) {
            return Some(u.to_owned()).filter(|u| !u.is_empty());
        }
        let url = self.url.trim();
        let (path, query) = url
            .split_once('?')
            .map_or((url, None), |(p, q)| (p, Some(q)));
        let base = path.trim_end_matches('/').strip_suffix(ELIGIBILITY_RAW)?;
        Some(match query {
            Some(q) => format!("{base}{CLAIM_STATUS_RAW}?{q}"),
            None => format!("{base}{CLAIM_STATUS_RAW}"),
        })
    }

    /// `transactions` and `claim_status_url`.
    fn check_transactions(&self, name: &str) -> Result<(), SettingsError> {
        let key = |field: &str| format!("payers.connectors.{name}.{field}");
        if let Some(list) = &self.transactions {
            if list.is_empty() {
                return Err(SettingsError::invalid(
                    key("transactions"),
                    "names no transaction; list `eligibility`, `claim_status` or both (or leave it out for both)",
                ));
            }
            if let Some(bad) = list.iter().find(|t| !TRANSACTIONS.contains(&t.as_str())) {
                return Err(SettingsError::invalid(
                    key("transactions"),
                    format!("names `{bad}`; the transactions are `eligibility` and `claim_status`"),
                ));
            }
        }
        if let Some(u) = &self.claim_status_url {
            if self.kind != ConnectorKind::Http {
                return Err(SettingsError::invalid(
                    key("claim_status_url"),
                    "applies only to kind = \"http\" (a CORE endpoint takes every transaction at `url`)",
                ));
            }
            if !is_http_url(u.trim()) {
                return Err(SettingsError::invalid(
                    key("claim_status_url"),
                    "must start with `https://` or `http://`",
                ));
            }
        }
        let asks_claim_status = self
            .transactions
            .as_ref()
            .is_some_and(|l| l.iter().any(|t| t == "claim_status"));
        if self.kind == ConnectorKind::Http
            && asks_claim_status
            && self.claim_status_endpoint().is_none()
        {
            return Err(SettingsError::invalid(
                key("claim_status_url"),
                format!(
                    "is required for `transactions` with `claim_status`: `url` does not end in `{ELIGIBILITY_RAW}`, so the upstream's claim status route (`…{CLAIM_STATUS_RAW}`) cannot be derived from it"
                ),
            ));
        }
        Ok(())
    }

    /// Whether a client certificate is configured (PEM pair or PKCS#12).
    pub fn has_client_certificate(&self) -> bool {
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        filled(&self.client_cert_file) || filled(&self.client_pkcs12_file)
    }

    /// The TLS, deadline, retry and breaker keys: which go together and which values are allowed.
    fn check_transport(&self, name: &str) -> Result<(), SettingsError> {
        let key = |field: &str| format!("payers.connectors.{name}.{field}");
        let filled = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if self.timeout_ms == Some(0) {
            return Err(SettingsError::invalid(
                key("timeout_ms"),
                "must be at least 1",
            ));
        }
        if self.breaker.failures == 0 {
            return Err(SettingsError::invalid(
                key("breaker.failures"),
                "must be at least 1",
            ));
        }
        if self.breaker.open_ms == 0 {
            return Err(SettingsError::invalid(
                key("breaker.open_ms"),
                "must be at least 1",
            ));
        }
        if self.retries.is_some_and(|r| r > 5) {
            return Err(SettingsError::invalid(
                key("retries"),
                "must be at most 5 (every retry shares the one deadline)",
            ));
        }
        if let Some(v) = self.tls_min_version.as_deref()
            && !matches!(v.trim(), "1.2" | "1.3")
        {
            return Err(SettingsError::invalid(
                key("tls_min_version"),
                "must be \"1.2\" or \"1.3\"",
            ));
        }
        if self.envelope.is_some() && self.kind != ConnectorKind::CaqhCore {
            return Err(SettingsError::invalid(
                key("envelope"),
                "applies only to kind = \"caqh-core\"",
            ));
        }
        let pem = (
            filled(&self.client_cert_file),
            filled(&self.client_key_file),
        );
        let p12 = filled(&self.client_pkcs12_file);
        match pem {
            (true, false) => {
                return Err(SettingsError::invalid(
                    key("client_key_file"),
                    "is required with `client_cert_file`",
                ));
            }
            (false, true) => {
                return Err(SettingsError::invalid(
                    key("client_cert_file"),
                    "is required with `client_key_file`",
                ));
            }
            (true, true) if p12 => {
                return Err(SettingsError::invalid(
                    key("client_pkcs12_file"),
                    "and `client_cert_file` are both set; set only one",
                ));
            }
            _ => {}
        }
        if p12 != self.pkcs12_password(name).is_set() {
            return Err(SettingsError::invalid(
                key(if p12 {
                    "client_pkcs12_password_env"
                } else {
                    "client_pkcs12_file"
                }),
                if p12 {
                    "is required with `client_pkcs12_file`"
                } else {
                    "is required with `client_pkcs12_password_env`"
                },
            ));
        }
        Ok(())
    }

    fn check(&self, name: &str) -> Result<(), SettingsError> {
        let key = |field: &str| format!("payers.connectors.{name}.{field}");
        self.check_transport(name)?;
        self.check_transactions(name)?;
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
            // With a certificate the WS-Security (or MIME) credentials are optional, as a pair.
            (ConnectorKind::CaqhCore, _) if self.has_client_certificate() => {
                let pair = filled(&self.username) || password.is_set();
                if pair {
                    (
                        "kind = \"caqh-core\" with a client certificate and a username",
                        &["sender_id", "receiver_id", "username", "password_env"],
                    )
                } else {
                    (
                        "kind = \"caqh-core\" with a client certificate",
                        &["sender_id", "receiver_id"],
                    )
                }
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
