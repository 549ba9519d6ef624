//! `Payers`: the connectors built from `[payers]`, and which one a request goes to. Sandbox
//! accounts always get the sandbox; production accounts go by the payer ID (2100A NM109), then the
//! default route, else the payer is "not configured".

use std::collections::HashMap;
use std::time::Duration;

use super::caqh::CaqhConnector;
use super::raw_x12_upstream::RawX12Connector;
use super::transport::{Upstream, endpoint};
use super::upstream_token::{OnFetch, unobserved};
use super::{Connector, ConnectorError, Outbound, sandbox};
use crate::config::{ConnectorKind, Mode, SANDBOX, Settings, SettingsError};

/// Where a payer ID goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Sandbox,
    /// Index into `Payers::connectors`.
    Named(usize),
}

/// The connectors, and which one a request goes to.
#[derive(Debug)]
pub struct Payers {
    sandbox: Connector,
    connectors: Vec<Connector>,
    /// Upper-cased payer ID → target.
    routes: HashMap<String, Target>,
    default: Option<Target>,
    timeout: Duration,
}

impl Payers {
    /// Builds every connector of `settings`, reading their secrets (environment variables through
    /// `lookup`, or files). Fails naming the key of a secret that cannot be read.
    pub fn from_settings(
        settings: &Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        Self::from_settings_observed(settings, lookup, &unobserved())
    }

    /// As [`Payers::from_settings`], telling `on_token_fetch` of every upstream token fetch.
    pub fn from_settings_observed(
        settings: &Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
        on_token_fetch: &OnFetch,
    ) -> Result<Self, SettingsError> {
        let timeout = settings.payer.timeout();
        let mut connectors = Vec::with_capacity(settings.payers.connectors.len());
        let mut index = HashMap::new();
        if !settings.payers.connectors.is_empty() {
            // One pooled client for every upstream: connections are reused across requests.
            let client = reqwest::Client::builder()
                .connect_timeout(settings.payer.connect_timeout())
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("eligibility-gateway/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| SettingsError::Invalid {
                    key: "payers.connectors".into(),
                    problem: format!("cannot be served: the HTTP client failed to start: {e}"),
                })?;
            for (name, cfg) in &settings.payers.connectors {
                let url = endpoint(name, "url", &cfg.url)?;
                let upstream = Upstream::new(name, url, client.clone(), timeout);
                let connector = match cfg.kind {
                    ConnectorKind::Http => Connector::Http(RawX12Connector::new(
                        name,
                        cfg,
                        upstream,
                        lookup,
                        on_token_fetch,
                    )?),
                    ConnectorKind::CaqhCore => {
                        Connector::Caqh(CaqhConnector::new(name, cfg, upstream, lookup)?)
                    }
                };
                index.insert(name.as_str(), connectors.len());
                connectors.push(connector);
            }
        }
        let target = |name: &str| -> Option<Target> {
            if name == SANDBOX {
                Some(Target::Sandbox)
            } else {
                index.get(name).copied().map(Target::Named)
            }
        };
        // The settings check guarantees every name resolves; an unresolved one is dropped.
        let routes = settings
            .payers
            .routes
            .iter()
            .filter_map(|(payer, name)| Some((payer.to_ascii_uppercase(), target(name)?)))
            .collect();
        let default = target(&settings.payers.default);
        Ok(Self {
            sandbox: Connector::Sandbox(sandbox::SandboxPayer::new(Duration::from_millis(
                settings.sandbox.delay_ms,
            ))),
            connectors,
            routes,
            default,
            timeout,
        })
    }

    /// The built-in sandbox's answer of `scenario` (Optum's mock scenarios), after its delay.
    pub async fn mock(
        &self,
        inquiry: &crate::eligibility::Inquiry<'_>,
        scenario: sandbox::Scenario,
    ) -> String {
        match &self.sandbox {
            Connector::Sandbox(s) => s.answer_as(inquiry, scenario).await,
            // `sandbox` is always the sandbox connector (see `from_settings`).
            _ => String::new(),
        }
    }

    /// The connector for a request of an account in `mode` to `payer_id`.
    pub fn route(&self, mode: Mode, payer_id: &str) -> Result<&Connector, ConnectorError> {
        if mode == Mode::Sandbox {
            return Ok(&self.sandbox);
        }
        let not_configured = || ConnectorError::NotConfigured {
            payer_id: payer_id.to_owned(),
        };
        let target = self
            .routes
            .get(&payer_id.to_ascii_uppercase())
            .or(self.default.as_ref())
            .ok_or_else(not_configured)?;
        match *target {
            Target::Sandbox => Ok(&self.sandbox),
            // Indices come from `from_settings`; a miss would be a bug, and must never fall back
            // to another connector.
            Target::Named(i) => self.connectors.get(i).ok_or_else(not_configured),
        }
    }

    /// Sends through `connector` under the payer deadline (which also bounds a token fetch and a
    /// retry inside the connector).
    pub async fn send(
        &self,
        connector: &Connector,
        out: Outbound<'_>,
    ) -> Result<String, ConnectorError> {
        tokio::time::timeout(self.timeout, connector.send(out))
            .await
            .unwrap_or_else(|_| {
                Err(ConnectorError::Timeout {
                    payer: connector.label().to_owned(),
                    timeout: self.timeout,
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        Settings::load_with(
            None,
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
        )
        .unwrap()
    }

    const STEDI: [(&str, &str); 5] = [
        ("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "http"),
        ("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "stedi"),
        (
            "GATEWAY__PAYERS__CONNECTORS__UP__URL",
            "https://up.example/raw-x12",
        ),
        ("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_ENV", "UP_KEY"),
        ("GATEWAY__PAYERS__ROUTES__00006", "up"),
    ];

    fn key(name: &str) -> Option<String> {
        (name == "UP_KEY").then(|| "k".to_owned())
    }

    #[test]
    fn routes_by_payer_id_then_default_and_sandbox_accounts_stay_in_the_sandbox() {
        let p = Payers::from_settings(&settings(&STEDI), &key).unwrap();
        assert_eq!(p.route(Mode::Production, "00006").unwrap().name(), "up");
        assert!(matches!(
            p.route(Mode::Production, "6"),
            Err(ConnectorError::NotConfigured { payer_id }) if payer_id == "6"
        ));
        assert_eq!(p.route(Mode::Sandbox, "00006").unwrap().name(), "sandbox");
        let mut with_default = STEDI.to_vec();
        with_default.push(("GATEWAY__PAYERS__DEFAULT", "sandbox"));
        with_default.push(("GATEWAY__PAYERS__ROUTES__ABC12", "up"));
        let p = Payers::from_settings(&settings(&with_default), &key).unwrap();
        assert_eq!(p.route(Mode::Production, "6").unwrap().name(), "sandbox");
        assert_eq!(
            p.route(Mode::Production, "ABC12").unwrap().name(),
            "up",
            "environment keys arrive lower-cased; payer IDs match regardless"
        );
        assert_eq!(
            p.route(Mode::Production, "00006").unwrap().label(),
            "up (up.example)"
        );
    }

    #[test]
    fn a_missing_secret_or_bad_url_stops_start_up_naming_the_key() {
        let e = Payers::from_settings(&settings(&STEDI), &|_| None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("payers.connectors.up.api_key_env") && e.contains("UP_KEY"),
            "{e}"
        );
        let mut creds_in_url = STEDI.to_vec();
        creds_in_url.push((
            "GATEWAY__PAYERS__CONNECTORS__UP__URL",
            "https://user:pw@up.example/x",
        ));
        let e = Payers::from_settings(&settings(&creds_in_url), &key)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("payers.connectors.up.url") && !e.contains("pw@"),
            "{e}"
        );
    }
}
