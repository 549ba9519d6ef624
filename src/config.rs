//! The typed settings tree and its loader: embedded `config/default.toml`, then an optional file,
//! then `GATEWAY__SECTION__KEY` environment variables. Uses nothing else in the crate.

mod limits;
mod payers;
mod secret;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

pub use limits::{LimitBackend, Limits, MIN_LEASE_MS, OnBackendError, redact_url};
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
    /// The envelope of 270s built from JSON requests.
    pub x12: X12Settings,
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
    /// Requests in flight to the sandbox at once (none = no cap).
    #[serde(default)]
    pub max_in_flight: Option<u32>,
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

/// `[x12]`: the envelope the gateway writes around 270s it builds from JSON requests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct X12Settings {
    /// ISA05, e.g. `ZZ`.
    pub sender_qualifier: String,
    /// ISA06 (up to 15 characters).
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08 (up to 15 characters).
    pub receiver_id: String,
    /// GS02; ISA06 when empty.
    pub application_sender: String,
    /// GS03; ISA08 when empty.
    pub application_receiver: String,
    /// ISA15: `P` (production) or `T` (test).
    pub usage: String,
    /// TRN03 of the trace the gateway adds: exactly 10 characters.
    pub trace_originator: String,
    /// Payer names by payer ID, for 2100A NM103 when a request names none (else `Unknown`).
    #[serde(default)]
    pub payer_names: BTreeMap<String, String>,
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
        self.limits.check()?;
        if self.sandbox.max_in_flight == Some(0) {
            return invalid(
                "sandbox.max_in_flight",
                "must be at least 1 (leave it out for no cap)",
            );
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
        self.x12.check()?;
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

impl X12Settings {
    fn check(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, problem: &str| {
            Err(SettingsError::Invalid {
                key: format!("x12.{key}"),
                problem: problem.to_owned(),
            })
        };
        let x12_safe = |v: &str| {
            v.bytes()
                .all(|b| (b' '..=b'}').contains(&b) && !b"*~:^".contains(&b))
        };
        for (key, value, max) in [
            ("sender_qualifier", &self.sender_qualifier, 2),
            ("sender_id", &self.sender_id, 15),
            ("receiver_qualifier", &self.receiver_qualifier, 2),
            ("receiver_id", &self.receiver_id, 15),
            ("application_sender", &self.application_sender, 15),
            ("application_receiver", &self.application_receiver, 15),
        ] {
            let optional = key.starts_with("application_");
            if value.trim().is_empty() && !optional {
                return invalid(key, "must not be empty");
            }
            if value.len() > max {
                return invalid(key, &format!("must be at most {max} characters"));
            }
            if !x12_safe(value) {
                return invalid(key, "must be printable ASCII without `*`, `~`, `:` or `^`");
            }
        }
        if !matches!(self.usage.as_str(), "P" | "T") {
            return invalid("usage", "must be \"P\" (production) or \"T\" (test)");
        }
        if self.trace_originator.len() != 10 || !x12_safe(&self.trace_originator) {
            return invalid(
                "trace_originator",
                "must be exactly 10 printable ASCII characters without `*`, `~`, `:` or `^`",
            );
        }
        for (id, name) in &self.payer_names {
            if name.trim().is_empty() || name.len() > 60 || !x12_safe(name) {
                return invalid(
                    &format!("payer_names.{id}"),
                    "must be 1 to 60 printable ASCII characters without `*`, `~`, `:` or `^`",
                );
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

/// SHA-256 of a key, as `sha256:<hex>` (what `hash-key` prints and config stores; read back by
/// [`parse_key_hash`]).
pub fn hash_key(key: &str) -> String {
    use sha2::{Digest, Sha256};
    use std::fmt::Write as _;
    let digest = Sha256::digest(key.as_bytes());
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
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
    fn x12_envelope_settings_are_checked_by_key() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.x12.trace_originator.len(), 10);
        let s = Settings::load_with(
            None,
            env(&[("GATEWAY__X12__PAYER_NAMES__00006", "Acme Health")]),
        )
        .unwrap();
        assert_eq!(
            s.x12.payer_names["00006"], "Acme Health",
            "payer IDs stay strings"
        );
        for (key, value, named) in [
            ("GATEWAY__X12__USAGE", "X", "x12.usage"),
            (
                "GATEWAY__X12__TRACE_ORIGINATOR",
                "123",
                "x12.trace_originator",
            ),
            ("GATEWAY__X12__SENDER_ID", "", "x12.sender_id"),
            ("GATEWAY__X12__RECEIVER_ID", "A*B", "x12.receiver_id"),
            (
                "GATEWAY__X12__SENDER_ID",
                "SIXTEEN-CHARS-XX",
                "x12.sender_id",
            ),
            (
                "GATEWAY__X12__PAYER_NAMES__00006",
                "A~B",
                "x12.payer_names.00006",
            ),
        ] {
            let e = Settings::load_with(None, env(&[(key, value)]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(named), "{key}={value}: {e}");
        }
    }

    #[test]
    fn limits_default_to_memory_and_read_redis_keys_from_the_environment() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.limits.backend, LimitBackend::Memory);
        assert_eq!(s.limits.lease_ms, 15_000);
        assert_eq!(s.limits.backend_timeout_ms, 100);
        assert_eq!(s.limits.on_backend_error, OnBackendError::Local);
        assert_eq!(s.sandbox.max_in_flight, None);
        assert_eq!(s.limits.redis_url(&|_| None).unwrap(), None);
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                (
                    "GATEWAY__LIMITS__REDIS_URL",
                    "rediss://:hunter2@redis.internal:6380/0",
                ),
                ("GATEWAY__LIMITS__LEASE_MS", "3000"),
                ("GATEWAY__LIMITS__ON_BACKEND_ERROR", "refuse"),
                ("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "50"),
                ("GATEWAY__SANDBOX__MAX_IN_FLIGHT", "4"),
            ]),
        )
        .unwrap();
        assert_eq!(s.limits.backend, LimitBackend::Redis);
        assert_eq!((s.limits.lease_ms, s.limits.backend_timeout_ms), (3000, 50));
        assert_eq!(s.limits.on_backend_error, OnBackendError::Refuse);
        assert_eq!(s.sandbox.max_in_flight, Some(4));
        assert_eq!(
            s.limits.redis_url(&|_| None).unwrap().as_deref(),
            Some("rediss://:hunter2@redis.internal:6380/0")
        );
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("hunter2"),
            "the password is redacted: {shown}"
        );
        assert!(shown.contains("redis.internal"), "{shown}");
    }

    #[test]
    fn the_redis_url_may_come_from_a_variable_and_is_checked_when_read() {
        let s = Settings::load_with(
            None,
            env(&[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL_ENV", "REDIS_URL"),
            ]),
        )
        .unwrap();
        let url = s
            .limits
            .redis_url(&|n| (n == "REDIS_URL").then(|| "redis://:pw@127.0.0.1:6379".into()))
            .unwrap();
        assert_eq!(url.as_deref(), Some("redis://:pw@127.0.0.1:6379"));
        let e = s
            .limits
            .redis_url(&|_| Some("http://127.0.0.1:6379".into()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("limits.redis_url_env"), "{e}");
        let e = s.limits.redis_url(&|_| None).unwrap_err().to_string();
        assert!(
            e.contains("limits.redis_url_env") && e.contains("REDIS_URL"),
            "{e}"
        );
    }

    #[test]
    fn bad_limit_settings_name_their_key() {
        // (why, variables, the key the error must name)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                "unknown backend",
                &[("GATEWAY__LIMITS__BACKEND", "etcd")],
                "backend",
            ),
            (
                "redis without a URL",
                &[("GATEWAY__LIMITS__BACKEND", "redis")],
                "limits.redis_url",
            ),
            (
                "not a redis URL",
                &[
                    ("GATEWAY__LIMITS__BACKEND", "redis"),
                    ("GATEWAY__LIMITS__REDIS_URL", "http://x:6379"),
                ],
                "limits.redis_url",
            ),
            (
                "no host",
                &[
                    ("GATEWAY__LIMITS__BACKEND", "redis"),
                    ("GATEWAY__LIMITS__REDIS_URL", "redis:///0"),
                ],
                "limits.redis_url",
            ),
            (
                "URL inline and from a file",
                &[
                    ("GATEWAY__LIMITS__REDIS_URL", "redis://r"),
                    ("GATEWAY__LIMITS__REDIS_URL_FILE", "/run/url"),
                ],
                "limits.redis_url",
            ),
            (
                "URL from a variable and a file",
                &[
                    ("GATEWAY__LIMITS__REDIS_URL_ENV", "U"),
                    ("GATEWAY__LIMITS__REDIS_URL_FILE", "/run/url"),
                ],
                "limits.redis_url_env",
            ),
            (
                "short lease",
                &[("GATEWAY__LIMITS__LEASE_MS", "99")],
                "limits.lease_ms",
            ),
            (
                "lease not a number",
                &[("GATEWAY__LIMITS__LEASE_MS", "soon")],
                "lease_ms",
            ),
            (
                "zero timeout",
                &[("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "0")],
                "limits.backend_timeout_ms",
            ),
            (
                "timeout not below the lease",
                &[
                    ("GATEWAY__LIMITS__LEASE_MS", "500"),
                    ("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "500"),
                ],
                "limits.backend_timeout_ms",
            ),
            (
                "unknown fallback",
                &[("GATEWAY__LIMITS__ON_BACKEND_ERROR", "queue")],
                "on_backend_error",
            ),
            (
                "zero sandbox cap",
                &[("GATEWAY__SANDBOX__MAX_IN_FLIGHT", "0")],
                "sandbox.max_in_flight",
            ),
            (
                "zero connector cap",
                &[
                    ("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "http"),
                    ("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "stedi"),
                    (
                        "GATEWAY__PAYERS__CONNECTORS__UP__URL",
                        "https://up.example/x",
                    ),
                    ("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_ENV", "K"),
                    ("GATEWAY__PAYERS__CONNECTORS__UP__MAX_IN_FLIGHT", "0"),
                ],
                "payers.connectors.up.max_in_flight",
            ),
        ];
        for (why, vars, key) in cases {
            let e = Settings::load_with(None, env(vars))
                .err()
                .unwrap_or_else(|| panic!("{why}: accepted"))
                .to_string();
            assert!(e.contains(key), "{why}: {e}");
        }
    }

    #[test]
    fn redis_urls_lose_their_password_when_shown() {
        for (url, shown) in [
            ("redis://:pw@host:6379/0", "redis://<redacted>@host:6379/0"),
            ("rediss://user:pw@host", "rediss://<redacted>@host"),
            ("redis://host:6379", "redis://host:6379"),
            ("redis://u:p@ss@host/1", "redis://<redacted>@host/1"),
        ] {
            assert_eq!(redact_url(url), shown);
        }
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

    #[test]
    fn a_hashed_key_parses_back_to_its_digest() {
        let hash = hash_key("sandbox-api-key");
        assert!(hash.starts_with("sha256:c27f1dc0"), "{hash}");
        let digest = parse_key_hash(&hash).unwrap();
        assert_eq!(digest[..4], [0xc2, 0x7f, 0x1d, 0xc0]);
        assert_ne!(parse_key_hash(&hash_key("another key")), Some(digest));
    }
}
