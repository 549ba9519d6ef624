//! The typed settings tree and its loader: embedded `config/default.toml`, then an optional file,
//! then `GATEWAY__SECTION__KEY` environment variables. Uses nothing else in the crate.

mod payers;
mod secret;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

pub use payers::{ConnectorKind, ConnectorSettings, HttpFlavor, PayerRoutes, SANDBOX};
pub use secret::SecretRef;

/// The embedded defaults: the binary needs no file.
pub const DEFAULTS: &str = include_str!("../config/default.toml");

/// Every setting of the gateway.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Listener and request bounds.
    pub server: Server,
    /// Concurrency limits.
    pub limits: Limits,
    /// Outbound payer calls.
    pub payer: PayerSettings,
    /// The built-in sandbox payer.
    pub sandbox: Sandbox,
    /// 270 validation.
    pub validation: Validation,
    /// Values printed in `meta`.
    pub meta: MetaSettings,
    /// Logging.
    pub log: Log,
    /// The OAuth token endpoint.
    pub oauth: OAuthSettings,
    /// Failed-authentication throttling.
    pub auth: AuthSettings,
    /// `GET /metrics`.
    pub metrics: MetricsSettings,
    /// Payer routes and connectors.
    #[serde(default)]
    pub payers: PayerRoutes,
    /// Accounts by ID.
    #[serde(default)]
    pub accounts: BTreeMap<String, AccountSettings>,
}

/// `[server]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Whole-request backstop.
    pub request_timeout_ms: u64,
    /// A connection must complete each request's headers within this (the first request and
    /// every keep-alive one; hyper starts the clock when it waits for the request).
    pub header_timeout_ms: u64,
    /// How long a keep-alive connection may wait for its next request; 0 turns keep-alive off.
    pub idle_timeout_ms: u64,
    /// A request body must be complete within this; past it the answer is 408.
    pub body_timeout_ms: u64,
    /// Open connections at most; past it new ones wait in the listen backlog.
    pub max_connections: usize,
    /// After SIGTERM or SIGINT, requests in flight get this long before they are cut off.
    pub shutdown_grace_ms: u64,
    /// CIDR blocks of load balancers whose `X-Forwarded-For` names the client; a list, or one
    /// comma-separated string (how an environment variable gives it).
    #[serde(deserialize_with = "list_or_csv")]
    pub trusted_proxies: Vec<String>,
}

/// `[auth]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSettings {
    /// Failed authentications one client address may make per minute; past it every request
    /// from it gets 429 until the window passes.
    pub failures_per_minute: u32,
}

/// `[metrics]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// Serve `GET /metrics`.
    pub enabled: bool,
    /// `host:port` to serve it on instead of the main listener (`""` = the main listener).
    pub listen: String,
}

fn list_or_csv<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrCsv {
        List(Vec<String>),
        Csv(String),
    }
    Ok(match ListOrCsv::deserialize(d)? {
        ListOrCsv::List(v) => v,
        ListOrCsv::Csv(s) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// `[limits]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Default in-flight requests per account.
    pub per_account: u32,
}

/// `[payer]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayerSettings {
    /// Deadline of one payer call.
    pub timeout_ms: u64,
    /// Deadline of establishing a connection to a payer.
    pub connect_timeout_ms: u64,
}

/// `[sandbox]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sandbox {
    /// Artificial answer delay.
    pub delay_ms: u64,
}

/// `[validation]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// Apply automatic repairs (else they are errors).
    pub repairs: bool,
}

/// `[meta]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaSettings {
    /// `meta.senderId`.
    pub sender_id: String,
    /// `meta.submitterId`.
    pub submitter_id: String,
    /// `meta.billerId`.
    pub biller_id: String,
}

/// `[oauth]`: the Change-style client-credentials token endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthSettings {
    /// `iss` of the tokens we sign, checked when they come back.
    pub issuer: String,
    /// Lifetime of an access token (`expires_in`).
    pub token_ttl_secs: u64,
    /// Environment variable holding the HS256 signing key (`""` = none).
    #[serde(default)]
    pub signing_key_env: String,
    /// File holding the HS256 signing key (`""` = none). With neither, a random key is made at
    /// start-up: tokens then die with the process and are not shared between instances.
    #[serde(default)]
    pub signing_key_file: String,
}

impl OAuthSettings {
    /// Where the signing key comes from.
    pub fn signing_key(&self) -> SecretRef {
        SecretRef::new(
            "oauth.signing_key",
            Some(&self.signing_key_env),
            Some(&self.signing_key_file),
        )
    }
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// `EnvFilter` directive.
    pub level: String,
    /// Output format.
    pub format: LogFormat,
}

/// Log line format.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

/// How an account's requests are routed.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every request goes to the built-in sandbox payer; `meta.applicationMode` is `sandbox`.
    #[default]
    Sandbox,
    /// Requests go to the payer routes; `meta.applicationMode` is `production`.
    Production,
}

/// `[accounts.<id>]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// Sandbox or production routing.
    #[serde(default)]
    pub mode: Mode,
    /// `sha256:<hex>` of each accepted API key.
    #[serde(default)]
    pub api_key_hashes: Vec<String>,
    /// In-flight limit for this account (default `limits.per_account`).
    #[serde(default)]
    pub per_account: Option<u32>,
    /// OAuth clients that get tokens for this account.
    #[serde(default)]
    pub oauth_clients: Vec<OAuthClient>,
}

/// One entry of `accounts.<id>.oauth_clients`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthClient {
    /// `client_id`, unique across accounts.
    pub client_id: String,
    /// `sha256:<hex>` of the client secret (`eligibility-gateway hash-key` prints it).
    pub secret_hash: String,
}

/// Why the settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The config crate refused a source or a value; its message names the key.
    #[error("configuration error: {0}")]
    Load(#[from] config::ConfigError),
    /// A value parsed but makes no sense.
    #[error("configuration error: `{key}` {problem}")]
    Invalid {
        /// The dotted key, e.g. `limits.per_account`.
        key: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl Settings {
    /// Loads defaults, then `file` (which must exist when given), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        Self::load_with(file, None)
    }

    /// As [`Settings::load`], with an explicit environment map instead of the process environment
    /// (tests must not touch the global environment).
    pub fn load_with(
        file: Option<&Path>,
        env: Option<std::collections::HashMap<String, String>>,
    ) -> Result<Self, SettingsError> {
        let mut b = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file {
            b = b.add_source(File::from(path).required(true));
        }
        // `try_parsing` stays off: on, a payer ID `00006` would arrive as the integer 6.
        let environment = Environment::with_prefix("GATEWAY")
            .prefix_separator("__")
            .separator("__")
            .source(env);
        let settings: Self = b.add_source(environment).build()?.try_deserialize()?;
        settings.check()?;
        Ok(settings)
    }

    /// The embedded defaults alone.
    pub fn defaults() -> Result<Self, SettingsError> {
        Self::load_with(None, Some(std::collections::HashMap::new()))
    }

    fn check(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, problem: &str| {
            Err(SettingsError::Invalid {
                key: key.to_owned(),
                problem: problem.to_owned(),
            })
        };
        if self.limits.per_account == 0 {
            return invalid("limits.per_account", "must be at least 1");
        }
        if self.payer.timeout_ms == 0 {
            return invalid("payer.timeout_ms", "must be at least 1");
        }
        if self.server.max_body_bytes == 0 {
            return invalid("server.max_body_bytes", "must be at least 1");
        }
        for (key, value) in [
            ("server.header_timeout_ms", self.server.header_timeout_ms),
            ("server.body_timeout_ms", self.server.body_timeout_ms),
            ("server.shutdown_grace_ms", self.server.shutdown_grace_ms),
        ] {
            if value == 0 {
                return invalid(key, "must be at least 1");
            }
        }
        if self.server.max_connections == 0 {
            return invalid("server.max_connections", "must be at least 1");
        }
        for (i, cidr) in self.server.trusted_proxies.iter().enumerate() {
            if cidr.parse::<ipnet::IpNet>().is_err() && cidr.parse::<std::net::IpAddr>().is_err() {
                return invalid(
                    &format!("server.trusted_proxies[{i}]"),
                    "must be an IP address or a CIDR block such as 10.0.0.0/8",
                );
            }
        }
        if !self.metrics.listen.is_empty()
            && self.metrics.listen.parse::<std::net::SocketAddr>().is_err()
        {
            return invalid(
                "metrics.listen",
                "must be empty (the main listener) or an address such as 127.0.0.1:9090",
            );
        }
        if self.auth.failures_per_minute == 0 {
            return invalid("auth.failures_per_minute", "must be at least 1");
        }
        if self.oauth.token_ttl_secs == 0 {
            return invalid("oauth.token_ttl_secs", "must be at least 1");
        }
        if self.oauth.issuer.trim().is_empty() {
            return invalid("oauth.issuer", "must not be empty");
        }
        self.oauth.signing_key().check()?;
        self.payers.check()?;
        let mut client_ids = BTreeSet::new();
        for (id, account) in &self.accounts {
            for (i, client) in account.oauth_clients.iter().enumerate() {
                let key = format!("accounts.{id}.oauth_clients[{i}]");
                if client.client_id.trim().is_empty() {
                    return invalid(&format!("{key}.client_id"), "must not be empty");
                }
                if !client_ids.insert(client.client_id.as_str()) {
                    return invalid(
                        &format!("{key}.client_id"),
                        "is already used (client IDs are unique across accounts)",
                    );
                }
                if parse_key_hash(&client.secret_hash).is_none() {
                    return invalid(
                        &format!("{key}.secret_hash"),
                        "must be `sha256:` followed by 64 hex digits (see `eligibility-gateway hash-key`)",
                    );
                }
            }
            if account.per_account == Some(0) {
                return invalid(&format!("accounts.{id}.per_account"), "must be at least 1");
            }
            for (i, hash) in account.api_key_hashes.iter().enumerate() {
                if parse_key_hash(hash).is_none() {
                    return invalid(
                        &format!("accounts.{id}.api_key_hashes[{i}]"),
                        "must be `sha256:` followed by 64 hex digits (see `eligibility-gateway hash-key`)",
                    );
                }
            }
        }
        Ok(())
    }
}

impl Server {
    /// The whole-request backstop.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// The deadline for a request's headers.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_millis(self.header_timeout_ms)
    }

    /// The keep-alive wait; `None` when keep-alive is off.
    pub fn idle_timeout(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.idle_timeout_ms)).filter(|d| !d.is_zero())
    }

    /// The deadline for a request's body.
    pub fn body_timeout(&self) -> Duration {
        Duration::from_millis(self.body_timeout_ms)
    }

    /// How long in-flight requests get after a stop signal.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
}

impl PayerSettings {
    /// The payer call deadline.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The connect deadline.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }
}

/// Decodes `sha256:<64 hex>` into the 32 digest bytes.
pub fn parse_key_hash(s: &str) -> Option<[u8; 32]> {
    let hex = s.strip_prefix("sha256:")?;
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[allow(clippy::unnecessary_wraps)] // shaped like `load_with`'s argument
    fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn defaults_load_with_the_documented_values() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.limits.per_account, 5);
        assert_eq!(s.payer.timeout_ms, 60_000);
        assert_eq!(s.sandbox.delay_ms, 0);
        assert_eq!(s.server.max_body_bytes, 1024 * 1024);
        assert_eq!(s.accounts["demo"].mode, Mode::Sandbox);
        assert!(s.server.request_timeout_ms > s.payer.timeout_ms);
    }

    #[test]
    fn connection_deadlines_default_and_load_from_the_environment() {
        let s = Settings::defaults().unwrap();
        assert_eq!(
            (
                s.server.header_timeout_ms,
                s.server.idle_timeout_ms,
                s.server.body_timeout_ms,
                s.server.max_connections,
                s.server.shutdown_grace_ms,
            ),
            (10_000, 60_000, 15_000, 10_000, 65_000)
        );
        assert!(s.server.shutdown_grace_ms > s.payer.timeout_ms);
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__SERVER__HEADER_TIMEOUT_MS", "100"),
                ("GATEWAY__SERVER__IDLE_TIMEOUT_MS", "0"),
                ("GATEWAY__SERVER__SHUTDOWN_GRACE_MS", "2000"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.header_timeout(), Duration::from_millis(100));
        assert!(s.server.trusted_proxies.is_empty());
        assert_eq!(s.server.idle_timeout(), None);
        assert_eq!(s.server.shutdown_grace(), Duration::from_secs(2));
        for key in [
            "GATEWAY__SERVER__HEADER_TIMEOUT_MS",
            "GATEWAY__SERVER__BODY_TIMEOUT_MS",
            "GATEWAY__SERVER__MAX_CONNECTIONS",
            "GATEWAY__SERVER__SHUTDOWN_GRACE_MS",
        ] {
            let e = Settings::load_with(None, env(&[(key, "0")]))
                .unwrap_err()
                .to_string();
            let name = key.trim_start_matches("GATEWAY__SERVER__").to_lowercase();
            assert!(e.contains(&format!("server.{name}")), "{key}: {e}");
        }
    }

    #[test]
    fn environment_overrides_by_section_and_key() {
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__SERVER__PORT", "9090"),
                ("GATEWAY__LIMITS__PER_ACCOUNT", "7"),
                ("GATEWAY__SANDBOX__DELAY_MS", "1500"),
                ("GATEWAY__PAYER__TIMEOUT_MS", "100"),
            ]),
        )
        .unwrap();
        assert_eq!(
            (
                s.server.port,
                s.limits.per_account,
                s.sandbox.delay_ms,
                s.payer.timeout_ms
            ),
            (9090, 7, 1500, 100)
        );
    }

    #[test]
    fn trusted_proxies_and_auth_throttling_load_and_are_checked() {
        let s = Settings::defaults().unwrap();
        assert!(s.server.trusted_proxies.is_empty());
        assert_eq!(s.auth.failures_per_minute, 30);
        let s = Settings::load_with(
            None,
            env(&[
                (
                    "GATEWAY__SERVER__TRUSTED_PROXIES",
                    "10.0.0.0/8, 192.168.1.7",
                ),
                ("GATEWAY__AUTH__FAILURES_PER_MINUTE", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(s.server.trusted_proxies, ["10.0.0.0/8", "192.168.1.7"]);
        assert_eq!(s.auth.failures_per_minute, 5);
        let e = Settings::load_with(
            None,
            env(&[("GATEWAY__SERVER__TRUSTED_PROXIES", "10.0.0.0/8,lb.local")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("server.trusted_proxies[1]"), "{e}");
        let s = Settings::defaults().unwrap();
        assert!(s.metrics.enabled && s.metrics.listen.is_empty());
        let s = Settings::load_with(None, env(&[("GATEWAY__METRICS__LISTEN", "127.0.0.1:9464")]));
        assert_eq!(s.unwrap().metrics.listen, "127.0.0.1:9464");
        let e = Settings::load_with(None, env(&[("GATEWAY__METRICS__LISTEN", "metrics:80")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("metrics.listen"), "{e}");
        let e = Settings::load_with(None, env(&[("GATEWAY__AUTH__FAILURES_PER_MINUTE", "0")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("auth.failures_per_minute"), "{e}");
    }

    #[test]
    fn codes_stay_strings() {
        let s = Settings::load_with(None, env(&[("GATEWAY__META__SENDER_ID", "00006")])).unwrap();
        assert_eq!(s.meta.sender_id, "00006");
    }

    #[test]
    fn a_bad_setting_names_its_key() {
        let e = Settings::load_with(None, env(&[("GATEWAY__SERVER__PORT", "eighty")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("server.port"), "{e}");
        let e = Settings::load_with(None, env(&[("GATEWAY__LIMITS__PER_ACCOUNT", "0")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("limits.per_account"), "{e}");
        let e = Settings::load_with(None, env(&[("GATEWAY__SERVER__COLOUR", "blue")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
        let e = Settings::load_with(
            None,
            env(&[("GATEWAY__ACCOUNTS__DEMO__API_KEY_HASHES", "plain")]),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("api_key_hashes"), "{e}");
    }

    #[test]
    fn a_named_file_must_exist() {
        let e = Settings::load_with(Some(Path::new("/nonexistent/gateway.toml")), env(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("gateway.toml"), "{e}");
    }

    #[test]
    fn oauth_defaults_and_the_sandbox_client() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.oauth.token_ttl_secs, 3600);
        assert!(!s.oauth.signing_key().is_set(), "random key by default");
        let clients = &s.accounts["demo"].oauth_clients;
        assert_eq!(clients.len(), 1);
        assert_eq!(clients[0].client_id, "sandbox-client");
        assert_eq!(
            s.payers.default, "",
            "no default route: unknown payers get 400"
        );
        assert!(s.payers.routes.is_empty() && s.payers.connectors.is_empty());
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__OAUTH__TOKEN_TTL_SECS", "60"),
                ("GATEWAY__OAUTH__SIGNING_KEY_ENV", "GW_KEY"),
            ]),
        )
        .unwrap();
        assert_eq!(s.oauth.token_ttl_secs, 60);
        assert!(s.oauth.signing_key().is_set());
    }

    #[test]
    fn routes_and_connectors_load_from_the_environment_with_payer_ids_as_strings() {
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__PAYERS__DEFAULT", "sandbox"),
                ("GATEWAY__PAYERS__ROUTES__00006", "stedi"),
                ("GATEWAY__PAYERS__ROUTES__6", "core"),
                ("GATEWAY__PAYERS__CONNECTORS__STEDI__KIND", "http"),
                ("GATEWAY__PAYERS__CONNECTORS__STEDI__FLAVOR", "stedi"),
                (
                    "GATEWAY__PAYERS__CONNECTORS__STEDI__URL",
                    "https://stedi.example/raw-x12",
                ),
                (
                    "GATEWAY__PAYERS__CONNECTORS__STEDI__API_KEY_ENV",
                    "STEDI_API_KEY",
                ),
                ("GATEWAY__PAYERS__CONNECTORS__CORE__KIND", "caqh-core"),
                (
                    "GATEWAY__PAYERS__CONNECTORS__CORE__URL",
                    "https://core.example/soap",
                ),
                ("GATEWAY__PAYERS__CONNECTORS__CORE__SENDER_ID", "00123"),
                ("GATEWAY__PAYERS__CONNECTORS__CORE__RECEIVER_ID", "000456"),
                ("GATEWAY__PAYERS__CONNECTORS__CORE__USERNAME", "gateway"),
                (
                    "GATEWAY__PAYERS__CONNECTORS__CORE__PASSWORD_FILE",
                    "/run/secrets/core",
                ),
            ]),
        )
        .unwrap();
        assert_eq!(s.payers.default, "sandbox");
        assert_eq!(s.payers.routes["00006"], "stedi");
        assert_eq!(
            s.payers.routes["6"], "core",
            "6 and 00006 are different payers"
        );
        let stedi = &s.payers.connectors["stedi"];
        assert_eq!(
            (stedi.kind, stedi.flavor),
            (ConnectorKind::Http, Some(HttpFlavor::Stedi))
        );
        let core = &s.payers.connectors["core"];
        assert_eq!(core.kind, ConnectorKind::CaqhCore);
        assert_eq!(core.sender_id.as_deref(), Some("00123"));
        assert_eq!(core.receiver_id.as_deref(), Some("000456"));
        assert!(core.password("core").is_set());
    }

    #[test]
    fn routes_and_connectors_load_from_a_file() {
        let path = std::env::temp_dir().join(format!("eg-routes-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(
            &path,
            r#"
[payers]
default = "optum"
[payers.routes]
"00006" = "optum"
87726 = "optum"
[payers.connectors.optum]
kind = "http"
flavor = "change"
url = "https://apigw.example/medicalnetwork/eligibility/v3/raw-x12"
token_url = "https://apigw.example/apip/auth/v2/token"
client_id = "gateway"
client_secret_file = "/run/secrets/optum"

[accounts.clinic]
mode = "production"
oauth_clients = [{ client_id = "clinic-app", secret_hash = "sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" }]
"#,
        )
        .unwrap();
        let s = Settings::load_with(Some(&path), env(&[])).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(s.payers.routes["00006"], "optum");
        assert_eq!(s.payers.routes["87726"], "optum");
        let optum = &s.payers.connectors["optum"];
        assert_eq!(optum.flavor, Some(HttpFlavor::Change));
        assert!(optum.client_secret("optum").is_set());
        assert_eq!(
            s.accounts["clinic"].oauth_clients[0].client_id,
            "clinic-app"
        );
        assert_eq!(
            s.accounts["demo"].mode,
            Mode::Sandbox,
            "defaults still there"
        );
    }

    #[test]
    fn bad_routes_connectors_and_clients_name_their_key() {
        let stedi = [
            ("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "http"),
            ("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "stedi"),
            (
                "GATEWAY__PAYERS__CONNECTORS__UP__URL",
                "https://up.example/raw-x12",
            ),
            ("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_ENV", "UP_KEY"),
        ];
        assert!(
            Settings::load_with(None, env(&stedi)).is_ok(),
            "the base case loads"
        );
        for (why, extra, want) in [
            (
                "route to an unknown connector",
                vec![("GATEWAY__PAYERS__ROUTES__00007", "nowhere")],
                "payers.routes.00007",
            ),
            (
                "unknown default",
                vec![("GATEWAY__PAYERS__DEFAULT", "nowhere")],
                "payers.default",
            ),
            (
                "flavor missing",
                vec![
                    ("GATEWAY__PAYERS__CONNECTORS__X__KIND", "http"),
                    ("GATEWAY__PAYERS__CONNECTORS__X__URL", "https://x"),
                ],
                "payers.connectors.x.flavor",
            ),
            (
                "unknown kind",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "ftp")],
                "ftp",
            ),
            (
                "bad url",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__URL", "up.example")],
                "payers.connectors.up.url",
            ),
            (
                "key and file together",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_FILE", "/k")],
                "payers.connectors.up.api_key_env",
            ),
            (
                "a CORE field on an http connector",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__SENDER_ID", "1")],
                "payers.connectors.up.sender_id",
            ),
            (
                "change flavor without its token settings",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "change")],
                "payers.connectors.up.token_url",
            ),
            (
                "unknown connector key",
                vec![("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY", "literal")],
                "api_key",
            ),
            (
                "a connector called sandbox",
                vec![("GATEWAY__PAYERS__CONNECTORS__SANDBOX__KIND", "http")],
                "payers.connectors.sandbox",
            ),
            (
                "zero token lifetime",
                vec![("GATEWAY__OAUTH__TOKEN_TTL_SECS", "0")],
                "oauth.token_ttl_secs",
            ),
            (
                "signing key from both sources",
                vec![
                    ("GATEWAY__OAUTH__SIGNING_KEY_ENV", "K"),
                    ("GATEWAY__OAUTH__SIGNING_KEY_FILE", "/k"),
                ],
                "oauth.signing_key_env",
            ),
        ] {
            let mut pairs = stedi.to_vec();
            pairs.extend(extra);
            let e = Settings::load_with(None, env(&pairs))
                .map(|_| ())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{why}: {e}");
        }
        let e = Settings::load_with(
            None,
            env(&[("GATEWAY__ACCOUNTS__DEMO__OAUTH_CLIENTS", "plain")]),
        )
        .map(|_| ())
        .unwrap_err()
        .to_string();
        assert!(e.contains("oauth_clients"), "{e}");
    }

    #[test]
    fn key_hashes_decode() {
        assert_eq!(
            parse_key_hash(&format!("sha256:{}", "ab".repeat(32))),
            Some([0xab; 32])
        );
        assert_eq!(parse_key_hash("sha256:abc"), None);
        assert_eq!(parse_key_hash(&"ab".repeat(32)), None);
    }
}
