//! `[limits]`: the per-account in-flight limit and where its counts live (this process, or a Redis
//! server or Redis Cluster shared by every replica). The Redis URL may hold a password, so it is
//! redacted in `Debug`.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::SettingsError;
use super::secret::SecretRef;

/// Where slot counts live.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LimitBackend {
    /// In this process: each replica has its own counts.
    Memory,
    /// In Redis: one count per account (and per capped connector) across all replicas.
    Redis,
}

/// What a replica does while Redis cannot answer.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnBackendError {
    /// Count in this process (the same limits, per replica) until Redis answers again.
    Local,
    /// Answer 503 `SERVICE_UNAVAILABLE`.
    Refuse,
}

/// `[limits]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Default in-flight requests per account.
    pub per_account: u32,
    /// `memory` or `redis`.
    pub backend: LimitBackend,
    /// `redis://` or `rediss://` URL, or `redis+cluster://` / `rediss+cluster://` with
    /// comma-separated seed nodes for a Redis Cluster; may hold a password, so never printed.
    #[serde(default)]
    pub redis_url: String,
    /// Environment variable holding the URL instead.
    #[serde(default)]
    pub redis_url_env: String,
    /// File holding the URL instead.
    #[serde(default)]
    pub redis_url_file: String,
    /// A slot held in Redis expires after this long unless its replica renews it.
    pub lease_ms: u64,
    /// `local` or `refuse`.
    pub on_backend_error: OnBackendError,
    /// The longest one Redis call may add to a request.
    pub backend_timeout_ms: u64,
}

impl fmt::Debug for Limits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limits")
            .field("per_account", &self.per_account)
            .field("backend", &self.backend)
            .field("redis_url", &redact_url(&self.redis_url))
            .field("redis_url_env", &self.redis_url_env)
            .field("redis_url_file", &self.redis_url_file)
            .field("lease_ms", &self.lease_ms)
            .field("on_backend_error", &self.on_backend_error)
            .field("backend_timeout_ms", &self.backend_timeout_ms)
            .finish()
    }
}

/// Shortest lease: renewals run three times per lease, and a lease must outlast a Redis timeout.
pub const MIN_LEASE_MS: u64 = 100;

impl Limits {
    /// The lease of a slot held in Redis.
    pub fn lease(&self) -> Duration {
        Duration::from_millis(self.lease_ms)
    }

    /// The longest one Redis call may take.
    pub fn backend_timeout(&self) -> Duration {
        Duration::from_millis(self.backend_timeout_ms)
    }

    /// Where the URL comes from when not inline.
    fn url_secret(&self) -> SecretRef {
        SecretRef::new(
            "limits.redis_url",
            Some(&self.redis_url_env),
            Some(&self.redis_url_file),
        )
    }

    /// What the Redis URL names (the URL inline, or read from its variable or file); `None` with
    /// the memory backend. The error names the key; it never quotes the URL.
    pub fn redis_target(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<RedisTarget>, SettingsError> {
        if self.backend == LimitBackend::Memory {
            return Ok(None);
        }
        let secret = self.url_secret();
        let (key, url) = match secret.read(lookup)? {
            Some(url) => (secret.key_in_use(), url),
            None => (
                "limits.redis_url".to_owned(),
                self.redis_url.trim().to_owned(),
            ),
        };
        RedisTarget::parse(&url)
            .map(Some)
            .map_err(|problem| SettingsError::invalid(key, problem))
    }

    pub(super) fn check(&self) -> Result<(), SettingsError> {
        let invalid = |key: &str, problem: String| Err(SettingsError::invalid(key, problem));
        if self.per_account == 0 {
            return invalid("limits.per_account", "must be at least 1".into());
        }
        if self.lease_ms < MIN_LEASE_MS {
            return invalid(
                "limits.lease_ms",
                format!("must be at least {MIN_LEASE_MS}"),
            );
        }
        if self.backend_timeout_ms == 0 {
            return invalid("limits.backend_timeout_ms", "must be at least 1".into());
        }
        if self.backend_timeout_ms >= self.lease_ms {
            return invalid(
                "limits.backend_timeout_ms",
                "must be below `limits.lease_ms` (a renewal must finish before its lease ends)"
                    .into(),
            );
        }
        let secret = self.url_secret();
        secret.check()?;
        let inline = !self.redis_url.trim().is_empty();
        if inline && secret.is_set() {
            return invalid(
                "limits.redis_url",
                format!("and `{}` are both set; set only one", secret.key_in_use()),
            );
        }
        if self.backend == LimitBackend::Memory || secret.is_set() {
            // A URL from a variable or file is checked when it is read.
            return Ok(());
        }
        if !inline {
            return invalid(
                "limits.redis_url",
                "(or `redis_url_env` / `redis_url_file`) is required for backend = \"redis\""
                    .into(),
            );
        }
        check_url("limits.redis_url", self.redis_url.trim())
    }
}

fn check_url(key: &str, url: &str) -> Result<(), SettingsError> {
    RedisTarget::parse(url)
        .map(drop)
        .map_err(|problem| SettingsError::invalid(key, problem))
}

/// What `limits.redis_url` names: one Redis server, or a Redis Cluster through its seed nodes.
#[derive(Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// `redis://` or `rediss://` (TLS): the URL as given.
    Server(String),
    /// `redis+cluster://` or `rediss+cluster://` with comma-separated `host:port` seed nodes:
    /// one `redis://` (or `rediss://`) URL per seed, each with the URL's user, password and
    /// options. The client learns the other nodes from them.
    Cluster(Vec<String>),
}

/// URLs hold passwords: only their redacted forms are shown.
impl fmt::Debug for RedisTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Server(url) => f.debug_tuple("Server").field(&redact_url(url)).finish(),
            Self::Cluster(urls) => f
                .debug_tuple("Cluster")
                .field(&urls.iter().map(|u| redact_url(u)).collect::<Vec<_>>())
                .finish(),
        }
    }
}

impl RedisTarget {
    /// Reads a `limits.redis_url` value. The problem never quotes the URL (it may hold a
    /// password).
    pub fn parse(url: &str) -> Result<Self, String> {
        const SCHEMES: &str = "must start with `redis://`, `rediss://` (TLS), `redis+cluster://` or \
             `rediss+cluster://` (Redis Cluster)";
        let (scheme, rest) = url.split_once("://").ok_or(SCHEMES)?;
        let (node_scheme, cluster) = match scheme {
            "redis" | "rediss" => (scheme, false),
            "redis+cluster" => ("redis", true),
            "rediss+cluster" => ("rediss", true),
            _ => return Err(SCHEMES.into()),
        };
        // The authority ends at the path, the options or the fragment.
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, suffix) = rest.split_at(authority_end);
        let (user, hosts) = match authority.rsplit_once('@') {
            Some((user, hosts)) => (Some(user), hosts),
            None => (None, authority),
        };
        if hosts.is_empty() {
            return Err(if cluster {
                "must name seed nodes, e.g. `redis+cluster://redis-1:6379,redis-2:6379`".into()
            } else {
                "must name a host, e.g. `redis://redis:6379/0`".into()
            });
        }
        if !cluster {
            if hosts.contains(',') {
                return Err("names several hosts; for a Redis Cluster use \
                            `redis+cluster://host1:6379,host2:6379`"
                    .into());
            }
            return Ok(Self::Server(url.to_owned()));
        }
        let path = suffix.split(['?', '#']).next().unwrap_or_default();
        if !matches!(path, "" | "/" | "/0") {
            return Err(
                "names a database other than 0; a Redis Cluster has only database 0".into(),
            );
        }
        let user = user.map(|u| format!("{u}@")).unwrap_or_default();
        hosts
            .split(',')
            .enumerate()
            .map(|(i, host)| {
                let host = host.trim();
                if host.is_empty() || host.starts_with(':') {
                    Err(format!("seed node {} names no host", i + 1))
                } else {
                    Ok(format!("{node_scheme}://{user}{host}{suffix}"))
                }
            })
            .collect::<Result<_, _>>()
            .map(Self::Cluster)
    }
}

/// `url` with the password of its user part, and any `password`/`sslpassword` query parameter
/// (PostgreSQL URLs may carry one), replaced by `<redacted>`, for logs and `Debug`.
pub fn redact_url(url: &str) -> String {
    redact_query_password(redact_user(url))
}

fn redact_user(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://<redacted>@{host}{path}"),
        None => url.to_owned(),
    }
}

fn redact_query_password(url: String) -> String {
    let Some((head, query)) = url.split_once('?') else {
        return url;
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key.to_ascii_lowercase().contains("password") => {
                format!("{key}=<redacted>")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{head}?{}", pairs.join("&"))
}
