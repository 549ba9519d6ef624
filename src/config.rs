//! The typed settings tree and its loader: embedded `config/default.toml`, then an optional file,
//! then `GATEWAY__SECTION__KEY` environment variables. Uses nothing else in the crate.

mod limits;
mod payers;
mod secret;
mod store;
mod value_add;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use serde::Deserialize;

pub use limits::{LimitBackend, Limits, MIN_LEASE_MS, OnBackendError, RedisTarget, redact_url};
pub use payers::{
    BreakerSettings, ConnectorKind, ConnectorSettings, CoreEnvelope, HttpFlavor, PayerRoutes,
    SANDBOX, TRANSACTIONS, TlsMinVersion,
};
pub use secret::SecretRef;
pub use store::{DeduplicationSettings, OnStoreError, StoreSettings};
pub use value_add::{NpiRuleSettings, PayerAliasSettings};

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
    /// The transaction store.
    pub store: StoreSettings,
    /// Replaying materially identical requests.
    pub deduplication: DeduplicationSettings,
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
    /// A connection must complete each request's headers within this (the first request, from
    /// the connection's start, and every keep-alive one, from its first byte).
    pub header_timeout_ms: u64,
    /// How long a keep-alive connection may stay quiet after an answer; 0 turns keep-alive off.
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

fn yes() -> bool {
    true
}

/// The embedded demo account's ID (`[accounts.demo]` in the defaults).
pub const DEMO_ACCOUNT: &str = "demo";

/// `[sandbox]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sandbox {
    /// Artificial answer delay.
    pub delay_ms: u64,
    /// The embedded demo account (`accounts.demo`: key `sandbox-api-key`, client
    /// `sandbox-client`/`sandbox-secret`) accepts requests. Public credentials: switch it off
    /// in production.
    #[serde(default = "yes")]
    pub demo_account: bool,
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
    /// CPU budget of one request's checks (270 validation, JSON checks, 271 mapping); past it the
    /// check stops and the answer is 503.
    pub cpu_budget_ms: u64,
    /// Large bodies checked at once off the async workers; 0 = one per CPU core.
    pub cpu_workers: usize,
}

impl Validation {
    /// [`Validation::cpu_budget_ms`] as a duration.
    pub fn cpu_budget(&self) -> Duration {
        Duration::from_millis(self.cpu_budget_ms)
    }
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
    /// The account's payer IDs and the real ones (README "Payer aliases and NPI rules").
    #[serde(default)]
    pub payer_aliases: Vec<PayerAliasSettings>,
    /// NPIs for 270s that lack a valid one, most specific match first.
    #[serde(default)]
    pub npi_rules: Vec<NpiRuleSettings>,
    /// This account's deduplication window in hours (default `deduplication.lookback_hours`).
    #[serde(default)]
    pub deduplication_lookback_hours: Option<u32>,
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

impl SettingsError {
    /// `Invalid`: `key` (dotted) `problem`.
    pub(crate) fn invalid(key: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            problem: problem.into(),
        }
    }
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
        let invalid = |key: &str, problem: &str| Err(SettingsError::invalid(key, problem));
        self.limits.check()?;
        self.store.check()?;
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
        if self.validation.cpu_budget_ms == 0 {
            return invalid("validation.cpu_budget_ms", "must be at least 1");
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
        let invalid =
            |key: &str, problem: &str| Err(SettingsError::invalid(format!("x12.{key}"), problem));
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
mod tests;
