//! Builds the application from settings: state, router, listener. Port 0 works (tests use it);
//! the real address is reported. Shuts down gracefully on Ctrl-C and SIGTERM.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::config::{Settings, SettingsError};
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
    state: Arc<AppState>,
}

impl App {
    /// Reads the secrets and builds the connectors, then binds `server.host:server.port` and
    /// builds the router.
    pub async fn build(settings: &Settings) -> Result<Self, BuildError> {
        let state = Arc::new(AppState::new(settings)?);
        let bind_error = |source| BuildError::Bind {
            addr: format!("{}:{}", settings.server.host, settings.server.port),
            source,
        };
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .await
            .map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let router = http::router(Arc::clone(&state), settings);
        Ok(Self {
            listener,
            router,
            addr,
            state,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The shared state (tests read the limiter through it).
    pub fn state(&self) -> Arc<AppState> {
        Arc::clone(&self.state)
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        tracing::info!(addr = %self.addr, version = env!("CARGO_PKG_VERSION"), "listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(stop)
            .await
    }
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
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
