//! What the `http` and `caqh-core` connectors share: one upstream's name, URL and the pooled
//! client, turning transport errors into `ConnectorError`s, and reading answers with a size cap.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode, Url};

use super::ConnectorError;
use crate::config::SettingsError;

/// The largest answer read from an upstream; a 271 is rarely above a few hundred kilobytes.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// One upstream endpoint and the client that reaches it.
#[derive(Debug)]
pub struct Upstream {
    name: String,
    /// `name (host[:port])`: what errors and logs show; never a path, query or credential.
    label: String,
    url: Url,
    client: Client,
    timeout: Duration,
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
    /// Connector `name` reaching `url` through `client`; `timeout` is the one configured on the
    /// client, repeated here for the error message.
    pub fn new(name: &str, url: Url, client: Client, timeout: Duration) -> Self {
        Self {
            label: format!("{name} ({})", host(&url)),
            name: name.to_owned(),
            url,
            client,
            timeout,
        }
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

    /// The pooled client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sorts a transport error. The URL is cut off first: it could carry a query, and the error
    /// chain ends up in the log.
    pub fn fault(&self, e: reqwest::Error) -> ConnectorError {
        let e = e.without_url();
        let upstream = self.label.clone();
        if e.is_timeout() {
            ConnectorError::Timeout {
                payer: upstream,
                timeout: self.timeout,
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
    pub fn status_error(&self, endpoint: &'static str, status: StatusCode) -> ConnectorError {
        if status == StatusCode::TOO_MANY_REQUESTS {
            ConnectorError::Throttled {
                upstream: self.label.clone(),
            }
        } else {
            ConnectorError::Status {
                upstream: self.label.clone(),
                endpoint,
                status: status.as_u16(),
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
