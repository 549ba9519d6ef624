//! A raw-X12 upstream (connector kind `http`): forwards the 270 (or 276) as `{"x12": "..."}` to a
//! Change-compatible raw-X12 endpoint (eligibility's, or claim status's) and returns the 271 (or
//! 277) from the answer's `x12` field. Flavour
//! `change` authenticates with an OAuth token from the upstream's token endpoint (refreshed once,
//! and the call retried once, when the upstream answers 401); flavour `stedi` sends its API key in
//! `Authorization`.

use std::sync::Arc;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Response, StatusCode};

use super::transport::{Upstream, endpoint, retry_after};
use super::upstream_token::{OnFetch, UpstreamToken};
use super::{ConnectorError, Transaction};
use crate::config::{ConnectorSettings, HttpFlavor, SettingsError};
use crate::telemetry::Redacted;

/// How the upstream wants us to authenticate.
#[derive(Debug)]
enum Auth {
    /// Stedi: the API key as the whole `Authorization` value.
    ApiKey(Redacted<HeaderValue>),
    /// Change/Optum: a bearer token from the token endpoint (boxed: it is the large variant).
    Change(Box<UpstreamToken>),
}

/// A Change-compatible raw-X12 upstream.
#[derive(Debug)]
pub struct RawX12Connector {
    upstream: Upstream,
    auth: Auth,
    /// Whether it sends 270s.
    eligibility: bool,
    /// The claim status raw-X12 endpoint, when it sends 276s.
    claim_status: Option<reqwest::Url>,
}

impl RawX12Connector {
    /// Connector `name` on `upstream` from its settings; reads its secret now so a missing one
    /// stops start-up. `on_token_fetch` hears of every token fetch (flavour `change`).
    pub fn new(
        name: &str,
        cfg: &ConnectorSettings,
        upstream: Upstream,
        lookup: &dyn Fn(&str) -> Option<String>,
        on_token_fetch: &OnFetch,
    ) -> Result<Self, SettingsError> {
        let auth = if cfg.flavor == Some(HttpFlavor::Stedi) {
            let source = cfg.api_key(name);
            let key = source.read_required(lookup)?;
            let mut value = HeaderValue::from_str(&key).map_err(|_| SettingsError::Invalid {
                key: source.key_in_use(),
                problem: "names an API key with characters not allowed in an HTTP header".into(),
            })?;
            value.set_sensitive(true);
            Auth::ApiKey(Redacted(value))
        } else {
            let token_url = endpoint(name, "token_url", cfg.token_url.as_deref().unwrap_or(""))?;
            let secret = cfg.client_secret(name).read_required(lookup)?;
            Auth::Change(Box::new(UpstreamToken::new(
                token_url,
                cfg.client_id.clone().unwrap_or_default(),
                Redacted(secret),
                Arc::clone(on_token_fetch),
            )))
        };
        // The settings check makes sure a connector asked to serve claim status has a route for it.
        let claim_status = match cfg.claim_status_endpoint() {
            Some(url) if cfg.serves("claim_status") => {
                Some(endpoint(name, "claim_status_url", &url)?)
            }
            _ => None,
        };
        if cfg.transactions.is_none() && claim_status.is_none() {
            tracing::warn!(
                connector = name,
                "serves eligibility only: its claim status route cannot be derived from `url`; set `claim_status_url`, or `transactions = [\"eligibility\"]` to say so"
            );
        }
        Ok(Self {
            upstream,
            auth,
            eligibility: cfg.serves("eligibility"),
            claim_status,
        })
    }

    /// Whether it sends `transaction`.
    pub fn serves(&self, transaction: Transaction) -> bool {
        match transaction {
            Transaction::Eligibility => self.eligibility,
            Transaction::ClaimStatus => self.claim_status.is_some(),
        }
    }

    /// The endpoint.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// Sends the 270 (or 276) to its endpoint and returns the 271 (or 277) from the answer.
    pub async fn send(
        &self,
        x12: &str,
        transaction: Transaction,
    ) -> Result<String, ConnectorError> {
        let url = match transaction {
            Transaction::Eligibility => self.upstream.url(),
            // Routing refuses a transaction the connector does not serve; this is the backstop.
            Transaction::ClaimStatus => self.claim_status.as_ref().ok_or_else(|| {
                self.upstream
                    .bad("this connector has no claim status endpoint")
            })?,
        };
        let body = serde_json::json!({ "x12": x12 }).to_string();
        match &self.auth {
            Auth::ApiKey(key) => {
                let res = self.post(url, &body, key.expose()).await?;
                self.answer(res).await
            }
            Auth::Change(tokens) => {
                let token = tokens.get(&self.upstream).await?;
                let res = self.post(url, &body, token.expose()).await?;
                if res.status() != StatusCode::UNAUTHORIZED {
                    return self.answer(res).await;
                }
                // Tokens can be revoked before they expire: one fresh token, one retry.
                tokens.forget(&token).await;
                let token = tokens.get(&self.upstream).await?;
                let res = self.post(url, &body, token.expose()).await?;
                self.answer(res).await
            }
        }
    }

    async fn post(
        &self,
        url: &reqwest::Url,
        body: &str,
        authorization: &HeaderValue,
    ) -> Result<Response, ConnectorError> {
        self.upstream
            .client()
            .post(url.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, authorization.clone())
            .body(body.to_owned())
            .send()
            .await
            .map_err(|e| self.upstream.fault(e))
    }

    /// The 271 (or 277) in the answer's `x12`. A 400 that still carries an `x12` is a payer rejection the
    /// mapper reports in `errors[]` (Stedi declares some AAA answers under 400).
    async fn answer(&self, res: Response) -> Result<String, ConnectorError> {
        let status = res.status();
        let retry_after = retry_after(res.headers());
        if !(status.is_success() || status == StatusCode::BAD_REQUEST) {
            return Err(self
                .upstream
                .status_error("raw-x12 endpoint", status, retry_after));
        }
        let bytes = self.upstream.body(res).await?;
        let value: serde_json::Value = match serde_json::from_slice(&bytes) {
            Ok(v) => v,
            Err(_) if status == StatusCode::BAD_REQUEST => {
                return Err(self
                    .upstream
                    .status_error("raw-x12 endpoint", status, retry_after));
            }
            Err(_) => return Err(self.upstream.bad("the answer is not JSON")),
        };
        match value.get("x12") {
            Some(serde_json::Value::String(x12)) if !x12.trim().is_empty() => Ok(x12.clone()),
            _ if status == StatusCode::BAD_REQUEST => {
                Err(self
                    .upstream
                    .status_error("raw-x12 endpoint", status, retry_after))
            }
            _ => Err(self.upstream.bad("the JSON answer has no `x12` string")),
        }
    }
}
