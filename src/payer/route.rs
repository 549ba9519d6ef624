//! `Payers`: the connectors built from `[payers]`, and which one a request goes to. Sandbox
//! accounts always get the sandbox; production accounts go by the payer ID (2100A NM109), then the
//! default route, else the payer is "not configured".

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::breaker::{self, Breaker, Pass};
use super::caqh::CaqhConnector;
use super::events::{Events, Unobserved};
use super::raw_x12_upstream::RawX12Connector;
use super::tls::TlsFiles;
use super::transport::{ClientSpec, Upstream, endpoint};
use super::upstream_token::OnFetch;
use super::{Connector, ConnectorError, Outbound, Transaction, retry, sandbox};
use crate::config::{ConnectorKind, Mode, SANDBOX, Settings, SettingsError};

/// Where a payer ID goes.
#[derive(Debug, Clone, Copy)]
enum Target {
    Sandbox,
    /// Index into `Payers::connectors`.
    Named(usize),
}

/// Leave from [`Payers::admit`] to call one connector.
#[derive(Debug)]
pub struct Ticket<'a> {
    connector: &'a Connector,
    /// The breaker's leave; `None` for the sandbox.
    pass: Option<Pass<'a>>,
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
    events: Arc<dyn Events>,
}

impl std::fmt::Debug for dyn Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Events")
    }
}

impl Payers {
    /// Builds every connector of `settings`, reading their secrets (environment variables through
    /// `lookup`, or files). Fails naming the key of a secret that cannot be read.
    pub fn from_settings(
        settings: &Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        Self::from_settings_observed(settings, lookup, Arc::new(Unobserved))
    }

    /// As [`Payers::from_settings`], telling `events` of token fetches, certificates, breaker
    /// states and retries.
    pub fn from_settings_observed(
        settings: &Settings,
        lookup: &dyn Fn(&str) -> Option<String>,
        events: Arc<dyn Events>,
    ) -> Result<Self, SettingsError> {
        let told = Arc::clone(&events);
        let on_token_fetch: OnFetch = Arc::new(move |c, ok| told.token_fetch(c, ok));
        let on_token_fetch = &on_token_fetch;
        let timeout = settings.payer.timeout();
        let mut connectors = Vec::with_capacity(settings.payers.connectors.len());
        let mut index = HashMap::new();
        {
            // One pooled client per upstream: its own deadline and TLS identity, connections
            // reused across requests.
            for (name, cfg) in &settings.payers.connectors {
                let url = endpoint(name, "url", &cfg.url)?;
                let spec = ClientSpec {
                    connect_timeout: settings.payer.connect_timeout(),
                    timeout: cfg.timeout_ms.map_or(timeout, Duration::from_millis),
                    tls: TlsFiles::from_settings(name, cfg, lookup)?,
                };
                let breaker = Breaker::new(name, cfg.breaker, Arc::clone(&events));
                let upstream = Upstream::new(name, url, spec, cfg.retries.unwrap_or(1), breaker)?;
                events.certificate(name, upstream.certificate_not_after());
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
            events,
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

    /// The connector for an eligibility request of an account in `mode` to `payer_id`.
    pub fn route(&self, mode: Mode, payer_id: &str) -> Result<&Connector, ConnectorError> {
        self.route_for(mode, payer_id, Transaction::Eligibility)
    }

    /// The connector for a `transaction` request of an account in `mode` to `payer_id`; a route
    /// to a connector that does not serve the transaction is refused (`NotServed`), never passed
    /// on to the default.
    pub fn route_for(
        &self,
        mode: Mode,
        payer_id: &str,
        transaction: Transaction,
    ) -> Result<&Connector, ConnectorError> {
        let connector = self.target(mode, payer_id)?;
        if connector.serves(transaction) {
            Ok(connector)
        } else {
            Err(ConnectorError::NotServed {
                payer_id: payer_id.to_owned(),
                connector: connector.name().to_owned(),
                transaction,
            })
        }
    }

    fn target(&self, mode: Mode, payer_id: &str) -> Result<&Connector, ConnectorError> {
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

    /// Leave to call `connector`, or `BreakerOpen` when its breaker is open. Asked before the
    /// limiter, so a refused request takes no slot.
    pub fn admit<'a>(&self, connector: &'a Connector) -> Result<Ticket<'a>, ConnectorError> {
        let pass = match connector.breaker() {
            None => None,
            Some(b) => Some(
                b.admit()
                    .map_err(|retry_after| ConnectorError::BreakerOpen {
                        connector: connector.name().to_owned(),
                        failures: b.threshold(),
                        retry_after,
                    })?,
            ),
        };
        Ok(Ticket { connector, pass })
    }

    /// Sends through the ticket's connector under its deadline (which also bounds a token fetch,
    /// every retry and the waits between them), and tells its breaker how it went.
    pub async fn send(
        &self,
        ticket: Ticket<'_>,
        out: Outbound<'_>,
    ) -> Result<String, ConnectorError> {
        let connector = ticket.connector;
        let timeout = connector.timeout().unwrap_or(self.timeout);
        let deadline = tokio::time::Instant::now() + timeout;
        let timed_out = || ConnectorError::Timeout {
            payer: connector.label().to_owned(),
            timeout,
        };
        let mut retried: Vec<&'static str> = Vec::new();
        let reply = loop {
            let reply = tokio::time::timeout_at(deadline, connector.send(out))
                .await
                .unwrap_or_else(|_| Err(timed_out()));
            let Err(e) = &reply else { break reply };
            let Some((why, asked)) = retry::reason(e) else {
                break reply;
            };
            let attempt = u32::try_from(retried.len()).unwrap_or(u32::MAX);
            if attempt >= connector.retries() {
                break reply;
            }
            let wait = retry::backoff(attempt).max(asked.unwrap_or_default());
            // A wait that would outlast the deadline is no retry: answer now.
            if tokio::time::Instant::now() + wait >= deadline {
                break reply;
            }
            retried.push(why);
            self.events.retry(connector.name(), why);
            tokio::time::sleep(wait).await;
        };
        if !retried.is_empty() {
            tracing::Span::current().record("retries", retried.join(",").as_str());
        }
        if let Some(pass) = ticket.pass {
            pass.record(breaker::is_failure(&reply));
        }
        reply
    }

    /// Reads every connector's certificate files again (SIGHUP). A connector whose files fail
    /// keeps its current client; the errors are returned, one per such connector.
    pub fn reload_tls(&self) -> Vec<SettingsError> {
        let mut errors = Vec::new();
        for c in &self.connectors {
            if let Some(u) = c.upstream() {
                match u.reload() {
                    Ok(true) => {
                        tracing::info!(connector = u.name(), "TLS files reloaded");
                        self.events.certificate(u.name(), u.certificate_not_after());
                    }
                    Ok(false) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        errors
    }

    /// (connector name, client certificate `notAfter` in Unix seconds) of each connector with one.
    pub fn certificate_expiries(&self) -> impl Iterator<Item = (&str, i64)> {
        self.connectors.iter().filter_map(|c| {
            let u = c.upstream()?;
            Some((u.name(), u.certificate_not_after()?))
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
    fn a_connector_serves_the_transactions_it_is_given_and_others_are_refused_by_name() {
        // `url` ends in Stedi's eligibility route: claim status is derived, both served.
        let mut derived = STEDI.to_vec();
        derived.push((
            "GATEWAY__PAYERS__CONNECTORS__UP__URL",
            "https://up.example/2024-04-01/change/medicalnetwork/eligibility/v3/raw-x12",
        ));
        let p = Payers::from_settings(&settings(&derived), &key).unwrap();
        for t in Transaction::ALL {
            assert_eq!(
                p.route_for(Mode::Production, "00006", t).unwrap().name(),
                "up"
            );
        }
        // A `url` claim status cannot be derived from: eligibility only, unless asked.
        let p = Payers::from_settings(&settings(&STEDI), &key).unwrap();
        assert!(p.route(Mode::Production, "00006").is_ok());
        let e = p
            .route_for(Mode::Production, "00006", Transaction::ClaimStatus)
            .unwrap_err();
        assert!(matches!(e, ConnectorError::NotServed { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "payer \"00006\" is routed to connector up, which does not serve claim status"
        );
        let mut asked = STEDI.to_vec();
        asked.push((
            "GATEWAY__PAYERS__CONNECTORS__UP__TRANSACTIONS",
            "eligibility, claim_status",
        ));
        let e = Settings::load_with(
            None,
            Some(
                asked
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("payers.connectors.up.claim_status_url"), "{e}");
        let mut only_claims = derived.clone();
        only_claims.push((
            "GATEWAY__PAYERS__CONNECTORS__UP__TRANSACTIONS",
            "claim_status",
        ));
        let p = Payers::from_settings(&settings(&only_claims), &key).unwrap();
        assert!(matches!(
            p.route(Mode::Production, "00006"),
            Err(ConnectorError::NotServed {
                transaction: Transaction::Eligibility,
                ..
            })
        ));
        // Sandbox accounts are always served.
        assert!(
            p.route_for(Mode::Sandbox, "00006", Transaction::ClaimStatus)
                .is_ok()
        );
        let mut unknown = STEDI.to_vec();
        unknown.push(("GATEWAY__PAYERS__CONNECTORS__UP__TRANSACTIONS", "claims"));
        let e = Settings::load_with(
            None,
            Some(
                unknown
                    .iter()
                    .map(|(k, v)| ((*k).into(), (*v).into()))
                    .collect(),
            ),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("payers.connectors.up.transactions") && e.contains("`claims`"),
            "{e}"
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
