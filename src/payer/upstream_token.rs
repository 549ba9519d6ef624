//! The OAuth token a `change`-flavoured upstream wants: fetched with our client credentials, cached
//! until shortly before it expires, and fetched by one request at a time (the others wait for it),
//! so many requests cost one token call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::ConnectorError;
use super::transport::Upstream;
use crate::telemetry::Redacted;

/// Lifetime assumed when the token endpoint does not say (`expires_in` absent).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// At most this long before expiry a token is replaced.
const MAX_EARLY: Duration = Duration::from_secs(60);

/// A ready `Authorization` value, `Bearer <token>`, marked sensitive.
pub type Bearer = Redacted<HeaderValue>;

/// Told of every token fetch, with the connector's name and whether it succeeded: the HTTP edge
/// counts them in its metrics (`payer` knows nothing of metrics).
pub type OnFetch = Arc<dyn Fn(&str, bool) + Send + Sync>;

/// Holds the callback; `Debug` names it only.
struct Observer(OnFetch);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OnFetch")
    }
}

#[derive(Debug)]
struct Cached {
    bearer: Bearer,
    refresh_at: Instant,
}

/// Client credentials for one upstream and its current token.
#[derive(Debug)]
pub struct UpstreamToken {
    url: Url,
    client_id: String,
    client_secret: Redacted<String>,
    /// Held across a fetch on purpose: concurrent requests wait for that one fetch.
    cached: Mutex<Option<Cached>>,
    on_fetch: Observer,
}

/// What token endpoints answer; `expires_in` comes as a number or a numeric string.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// When to replace a token that lives `lifetime`: a tenth early, at most a minute.
fn refresh_after(lifetime: Duration) -> Duration {
    lifetime.saturating_sub((lifetime / 10).min(MAX_EARLY))
}

impl UpstreamToken {
    /// Credentials for the token endpoint `url`; `on_fetch` hears of every fetch.
    pub fn new(
        url: Url,
        client_id: String,
        client_secret: Redacted<String>,
        on_fetch: OnFetch,
    ) -> Self {
        Self {
            url,
            client_id,
            client_secret,
            cached: Mutex::new(None),
            on_fetch: Observer(on_fetch),
        }
    }

    /// The cached token, or a fresh one when there is none or it is about to expire.
    pub async fn get(&self, upstream: &Upstream) -> Result<Bearer, ConnectorError> {
        let mut slot = self.cached.lock().await;
        if let Some(c) = slot.as_ref()
            && Instant::now() < c.refresh_at
        {
            return Ok(c.bearer.clone());
        }
        let fresh = self.fetch(upstream).await;
        (self.on_fetch.0)(upstream.name(), fresh.is_ok());
        let fresh = fresh?;
        let bearer = fresh.bearer.clone();
        *slot = Some(fresh);
        Ok(bearer)
    }

    /// Drops `stale` (the upstream refused it) unless another request already replaced it.
    pub async fn forget(&self, stale: &Bearer) {
        let mut slot = self.cached.lock().await;
        if slot.as_ref().is_some_and(|c| c.bearer == *stale) {
            *slot = None;
        }
    }

    async fn fetch(&self, upstream: &Upstream) -> Result<Cached, ConnectorError> {
        // Change documents a JSON body for its token endpoint.
        let body = serde_json::json!({
            "client_id": self.client_id,
            "client_secret": self.client_secret.expose(),
            "grant_type": "client_credentials",
        })
        .to_string();
        let res = upstream
            .client()
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| upstream.fault(e))?;
        if !res.status().is_success() {
            return Err(upstream.status_error(
                "token endpoint",
                res.status(),
                super::transport::retry_after(res.headers()),
            ));
        }
        let bytes = upstream.body(res).await?;
        let answer: TokenAnswer = serde_json::from_slice(&bytes).map_err(|_| {
            upstream.bad("the token endpoint's answer has no `access_token` string")
        })?;
        let lifetime = match answer.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", answer.access_token))
            .map_err(|_| {
                upstream.bad("the token endpoint's `access_token` cannot be sent in a header")
            })?;
        bearer.set_sensitive(true);
        Ok(Cached {
            bearer: Redacted(bearer),
            refresh_at: Instant::now() + refresh_after(lifetime),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_replaced_shortly_before_expiry() {
        assert_eq!(
            refresh_after(Duration::from_secs(3600)),
            Duration::from_secs(3540)
        );
        assert_eq!(
            refresh_after(Duration::from_secs(100)),
            Duration::from_secs(90)
        );
        assert_eq!(refresh_after(Duration::ZERO), Duration::ZERO);
    }
}
