//! Builds the application from settings: state, router, listener. Port 0 works (tests use it);
//! the real address is reported. Serves HTTP/1 with header and idle deadlines per connection, and
//! shuts down on Ctrl-C and SIGTERM within a bounded grace.

mod connection;
mod deadlines;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use self::deadlines::Waits;
use crate::config::{Server, Settings, SettingsError};
use crate::http::probes::NotReady;
use crate::http::{self, AppState};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A secret or connector named in the settings is unusable; names the key.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The listener could not bind.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// `host:port` as configured.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// A bound, not yet serving, gateway.
#[derive(Debug)]
pub struct App {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    /// `metrics.listen`, when set: its listener and the router serving `/metrics` alone.
    metrics: Option<(TcpListener, Router)>,
    state: Arc<AppState>,
    server: Server,
}

/// Connections at most on the metrics listener (scrapers, not clients).
const METRICS_CONNECTIONS: usize = 64;

impl App {
    /// Reads the secrets and builds the connectors, then binds `server.host:server.port` and
    /// builds the router.
    pub async fn build(settings: &Settings) -> Result<Self, BuildError> {
        let mut state = AppState::new(settings)?;
        warn_about_demo(settings);
        let lookup = |name: &str| std::env::var(name).ok();
        let store = crate::store::open(&settings.store, &lookup).await?;
        state.store = http::transaction::recorder(store, settings, state.metrics.store.clone());
        let state = Arc::new(state);
        let bind_error = |source| BuildError::Bind {
            addr: format!("{}:{}", settings.server.host, settings.server.port),
            source,
        };
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .await
            .map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let router = http::router(Arc::clone(&state), settings);
        let metrics = if settings.metrics.enabled && !settings.metrics.listen.is_empty() {
            let listen = settings.metrics.listen.as_str();
            let l = TcpListener::bind(listen)
                .await
                .map_err(|source| BuildError::Bind {
                    addr: listen.to_owned(),
                    source,
                })?;
            Some((l, http::metrics::router(Arc::clone(&state.metrics))))
        } else {
            None
        };
        Ok(Self {
            listener,
            router,
            addr,
            metrics,
            state,
            server: settings.server.clone(),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the separate metrics listener, when `metrics.listen` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|(l, _)| l.local_addr().ok())
    }

    /// The shared state (tests read the limiter through it).
    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until Ctrl-C or SIGTERM, then drains (see [`App::run_until`]).
    /// SIGHUP reloads the connectors' certificate files (installed first, so a SIGHUP after
    /// "listening" never finds the default action, which would end the process).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        #[cfg(unix)]
        let reloader = reload_on_hangup(Arc::clone(&self.state));
        let served = self.run_until(shutdown_signal()).await;
        #[cfg(unix)]
        if let Some(task) = reloader {
            task.abort();
        }
        served
    }

    /// Serves until `stop` completes. Then: `/readyz` turns 503, the listener closes, every
    /// connection finishes the request it is serving and closes; after `server.shutdown_grace_ms`
    /// whatever remains is cut off (and counted in the log). Connections with no request in
    /// flight (idle, or still sending headers) never delay the exit.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let Self {
            listener,
            router,
            addr,
            metrics,
            state,
            server,
        } = self;
        tracing::info!(addr = %addr, version = env!("CARGO_PKG_VERSION"), "listening");
        let (closing_tx, closing) = watch::channel(false);
        let waits = Waits::from(&server);
        let mut listeners = JoinSet::new();
        listeners.spawn(accept_loop(
            listener,
            router,
            waits,
            Arc::new(Semaphore::new(server.max_connections)),
            closing.clone(),
        ));
        if let Some((listener, router)) = metrics {
            if let Ok(addr) = listener.local_addr() {
                tracing::info!(addr = %addr, "metrics listening");
            }
            listeners.spawn(accept_loop(
                listener,
                router,
                waits,
                Arc::new(Semaphore::new(METRICS_CONNECTIONS)),
                closing,
            ));
        }
        let sweeper = tokio::spawn(sweep_failed_auth(Arc::clone(&state)));
        stop.await;
        state.readiness.set(NotReady::Draining, true);
        sweeper.abort();
        tracing::info!(
            in_flight = state.in_flight.count(),
            grace_ms = server.shutdown_grace_ms,
            "shutting down: no new connections, waiting for requests in flight"
        );
        let _ = closing_tx.send(true);
        let drained = tokio::time::timeout(server.shutdown_grace(), state.in_flight.wait_idle())
            .await
            .is_ok();
        let cut_off = state.in_flight.count();
        // Dropping each loop's connection set cuts off what is left.
        listeners.shutdown().await;
        if drained {
            tracing::info!(cut_off = 0, "stopped: every request in flight finished");
        } else {
            tracing::warn!(
                cut_off,
                grace_ms = server.shutdown_grace_ms,
                "stopped: requests still in flight at the end of the grace were cut off"
            );
        }
        Ok(())
    }
}

/// Accepts connections until `closing`, at most as many at once as `slots` has permits (past
/// that, new clients wait in the kernel backlog); then closes the listener and waits for its
/// connections, which finish their request and close.
async fn accept_loop(
    listener: TcpListener,
    router: Router,
    waits: Waits,
    slots: Arc<Semaphore>,
    mut closing: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let slot = tokio::select! {
            () = stopped(&mut closing) => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = stopped(&mut closing) => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(connection::serve(
            stream,
            peer,
            router.clone(),
            waits,
            closing.clone(),
            slot,
        ));
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Resolves once the gateway is stopping.
async fn stopped(closing: &mut watch::Receiver<bool>) {
    let _ = closing.wait_for(|c| *c).await;
}

/// Writes the failed-authentication summaries once per window and forgets old addresses.
async fn sweep_failed_auth(state: Arc<AppState>) {
    let mut tick = tokio::time::interval(http::throttle::WINDOW);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        state.failed_auth.sweep(std::time::Instant::now());
    }
}

/// Reloads the connectors' TLS files on each SIGHUP. Requests in flight keep the client (and
/// connection) they started with; a connector whose new files fail keeps its current ones.
#[cfg(unix)]
fn reload_on_hangup(state: Arc<crate::http::AppState>) -> Option<tokio::task::JoinHandle<()>> {
    let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "SIGHUP cannot be caught: certificates reload only on restart");
            return None;
        }
    };
    Some(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            let s = Arc::clone(&state);
            // File reads and key checks: off the async workers.
            let errors = tokio::task::spawn_blocking(move || s.payers.reload_tls())
                .await
                .unwrap_or_default();
            for e in &errors {
                tracing::error!(error = %e, "certificate reload failed; the connector keeps its current certificate");
            }
            tracing::info!(
                signal = "SIGHUP",
                failed = errors.len(),
                "certificate reload done"
            );
        }
    }))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!(signal = "SIGINT", "stop signal"),
        () = term => tracing::info!(signal = "SIGTERM", "stop signal"),
    }
}

/// The demo account's credentials are public: say so while it is on beside a production account.
fn warn_about_demo(settings: &Settings) {
    let demo = settings.sandbox.demo_account
        && settings.accounts.contains_key(crate::config::DEMO_ACCOUNT);
    let production = settings
        .accounts
        .values()
        .any(|a| a.mode == crate::config::Mode::Production);
    if demo && production {
        tracing::warn!(
            account = crate::config::DEMO_ACCOUNT,
            "the demo account, whose credentials are public (README), is on next to a production account; \
             set sandbox.demo_account = false (GATEWAY__SANDBOX__DEMO_ACCOUNT=false) in production"
        );
    }
}
