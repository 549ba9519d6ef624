//! What the `http` and `caqh-core` connectors share: one upstream's name, URL and its own pooled
//! client (its deadline and TLS identity), turning transport errors into `ConnectorError`s, and
//! reading answers with a size cap.

use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use reqwest::{Client, Response, StatusCode, Url};

use super::ConnectorError;
use super::breaker::Breaker;
use super::tls::{Loaded, TlsFiles};
use crate::config::SettingsError;

/// How a connector's client is built: the parts that survive a reload.
#[derive(Debug, Clone)]
pub struct ClientSpec {
    /// Deadline of establishing a connection.
    pub connect_timeout: Duration,
    /// Deadline of one request.
    pub timeout: Duration,
    /// The TLS files.
    pub tls: TlsFiles,
}

impl ClientSpec {
    /// A client from `loaded` TLS material.
    fn build(&self, name: &str, loaded: Loaded) -> Result<Client, SettingsError> {
        let builder = Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("eligibility-gateway/", env!("CARGO_PKG_VERSION")));
        loaded
            .apply(builder)
            .build()
            .map_err(|e| SettingsError::Invalid {
                key: format!("payers.connectors.{name}"),
                problem: format!("cannot be served: the HTTP client failed to start: {e}"),
            })
    }
}

/// No certificate: the expiry gauge's "none".
const NO_EXPIRY: i64 = i64::MIN;

/// The largest answer read from an upstream; a 271 is rarely above a few hundred kilobytes.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// One upstream endpoint and the client that reaches it.
#[derive(Debug)]
pub struct Upstream {
    name: String,
    /// `name (host[:port])`: what errors and logs show; never a path, query or credential.
    label: String,
    url: Url,
    /// Replaced whole on reload; a request clones it (an `Arc` inside) and keeps its connection.
    client: RwLock<Client>,
    spec: ClientSpec,
    /// The client certificate's `notAfter` (Unix seconds), or [`NO_EXPIRY`].
    not_after: AtomicI64,
    /// Retries allowed per request.
    retries: u32,
    breaker: Breaker,
}

/// Parses an endpoint URL from connector `name`'s setting `field`.
pub fn endpoint(name: &str, field: &str, url: &str) -> Result<Url, SettingsError> {
    let key = || format!("payers.connectors.{name}.{field}");
    let parsed = Url::parse(url).map_err(|e| SettingsError::Invalid {
        key: key(),
        problem: format!("is not a URL: {e}"),
    })?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(SettingsError::Invalid {
            key: key(),
            problem:
                "must not carry credentials; name them in the connector's *_env or *_file keys"
                    .into(),
        });
    }
    if parsed.host_str().is_none() {
        return Err(SettingsError::Invalid {
            key: key(),
            problem: "has no host".into(),
        });
    }
    Ok(parsed)
}

/// `host[:port]` of a URL, for labels.
pub fn host(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

impl Upstream {
    /// Connector `name` reaching `url` with a client built from `spec`, its TLS files read now.
    pub fn new(
        name: &str,
        url: Url,
        spec: ClientSpec,
        retries: u32,
        breaker: Breaker,
    ) -> Result<Self, SettingsError> {
        let now = super::tls::unix_now();
        let loaded = spec.tls.load(now)?;
        let not_after = loaded.not_after;
        let client = spec.build(name, loaded)?;
        let upstream = Self {
            label: format!("{name} ({})", host(&url)),
            name: name.to_owned(),
            url,
            client: RwLock::new(client),
            spec,
            not_after: AtomicI64::new(not_after.unwrap_or(NO_EXPIRY)),
            retries,
            breaker,
        };
        upstream.warn_if_expiring(now);
        Ok(upstream)
    }

    fn warn_if_expiring(&self, now: i64) {
        if let Some(t) = self.certificate_not_after()
            && t - now < super::tls::EXPIRY_WARNING_SECS
        {
            tracing::warn!(
                connector = %self.name,
                expires = %super::tls::day(t),
                days_left = (t - now) / 86_400,
                "the connector's client certificate expires within 30 days; rotate it and send SIGHUP"
            );
        }
    }

    /// Reads the TLS files again and swaps in a new client; requests in flight keep the old one
    /// (and their connections). On error the old client stays. `Ok(false)`: nothing to reload.
    pub fn reload(&self) -> Result<bool, SettingsError> {
        if !self.spec.tls.has_files() {
            return Ok(false);
        }
        let now = super::tls::unix_now();
        let loaded = self.spec.tls.load(now)?;
        let not_after = loaded.not_after;
        let client = self.spec.build(&self.name, loaded)?;
        match self.client.write() {
            Ok(mut c) => *c = client,
            Err(poisoned) => *poisoned.into_inner() = client,
        }
        self.not_after
            .store(not_after.unwrap_or(NO_EXPIRY), Ordering::Relaxed);
        self.warn_if_expiring(now);
        Ok(true)
    }

    /// The client certificate's `notAfter` (Unix seconds), when one is configured.
    pub fn certificate_not_after(&self) -> Option<i64> {
        Some(self.not_after.load(Ordering::Relaxed)).filter(|&t| t != NO_EXPIRY)
    }

    /// Retries allowed per request.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The circuit breaker.
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    /// The deadline of one request through this upstream.
    pub fn timeout(&self) -> Duration {
        self.spec.timeout
    }

    /// The connector's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `name (host)`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The endpoint.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The pooled client in use now.
    pub fn client(&self) -> Client {
        match self.client.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Sorts a transport error. The URL is cut off first: it could carry a query, and the error
    /// chain ends up in the log.
    pub fn fault(&self, e: reqwest::Error) -> ConnectorError {
        let e = e.without_url();
        let upstream = self.label.clone();
        if let Some(problem) = tls_problem(&e) {
            ConnectorError::Tls { upstream, problem }
        } else if e.is_timeout() {
            ConnectorError::Timeout {
                payer: upstream,
                timeout: self.spec.timeout,
            }
        } else if e.is_connect() {
            ConnectorError::Unreachable {
                upstream,
                source: e,
            }
        } else {
            ConnectorError::Dropped {
                upstream,
                source: e,
            }
        }
    }

    /// The error for an HTTP status we cannot use: 429 is passed on as throttling.
    /// `retry_after` is the answer's `Retry-After`, read with [`retry_after`].
    pub fn status_error(
        &self,
        endpoint: &'static str,
        status: StatusCode,
        retry_after: Option<Duration>,
    ) -> ConnectorError {
        if status == StatusCode::TOO_MANY_REQUESTS {
            ConnectorError::Throttled {
                upstream: self.label.clone(),
                retry_after,
            }
        } else {
            ConnectorError::Status {
                upstream: self.label.clone(),
                endpoint,
                status: status.as_u16(),
                retry_after,
            }
        }
    }

    /// A `BadResponse` naming this upstream.
    pub fn bad(&self, reason: impl Into<String>) -> ConnectorError {
        ConnectorError::BadResponse {
            upstream: self.label.clone(),
            reason: reason.into(),
        }
    }

    /// Reads the whole answer, refusing more than [`MAX_ANSWER_BYTES`].
    pub async fn body(&self, mut res: Response) -> Result<Vec<u8>, ConnectorError> {
        if res
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(self.bad(format!(
                "the answer is larger than {MAX_ANSWER_BYTES} bytes"
            )));
        }
        let mut out = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| self.fault(e))? {
            if out.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(self.bad(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// `Retry-After` in delta-seconds (an HTTP date is not trusted: clocks differ).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `e` and its causes. An `io::Error`'s `source()` skips the error it wraps, so this steps into
/// that one instead.
pub fn causes<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(e), |c| {
        match c
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        }
    })
    .take(32)
}

/// The TLS failure somewhere in `e`'s cause chain, in words: who refused what. `None` when the
/// failure is not TLS.
fn tls_problem(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    use rustls::AlertDescription as A;
    for c in causes(e) {
        let tls = c.downcast_ref::<rustls::Error>();
        if let Some(t) = tls {
            return Some(match t {
                rustls::Error::AlertReceived(
                    a @ (A::BadCertificate
                    | A::UnknownCA
                    | A::CertificateRequired
                    | A::CertificateUnknown
                    | A::CertificateExpired
                    | A::CertificateRevoked
                    | A::UnsupportedCertificate
                    | A::AccessDenied),
                ) => format!(
                    "the upstream refused our client certificate (alert {a:?}); check client_cert_file or client_pkcs12_file"
                ),
                rustls::Error::AlertReceived(A::ProtocolVersion) => {
                    "the upstream does not speak the TLS version required (tls_min_version)".into()
                }
                rustls::Error::InvalidCertificate(why) => {
                    format!("the upstream's certificate is not trusted ({why}); check ca_file")
                }
                other => format!("{other}"),
            });
        }
    }
    None
}
