//! Payer connectors: the one place the gateway calls out. A `Connector` takes the (repaired) 270
//! and returns the payer's document as received; the caller maps it. Every call has a deadline.

pub mod sandbox;

use std::time::Duration;

use crate::eligibility::Inquiry;

/// What a connector needs from the request.
#[derive(Debug, Clone, Copy)]
pub struct Outbound<'a> {
    /// The 270 to send, repaired when repairs applied.
    pub x12: &'a str,
    /// The same 270, read.
    pub inquiry: &'a Inquiry<'a>,
}

/// Why a payer call failed. Names the payer or upstream, never its credentials.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// No answer within the deadline.
    #[error("payer {payer} did not answer within {} ms", timeout.as_millis())]
    Timeout {
        /// Route or upstream name.
        payer: String,
        /// The deadline.
        timeout: Duration,
    },
}

/// A configured way to reach payers.
#[derive(Debug)]
pub enum Connector {
    /// The built-in sandbox payer.
    Sandbox(sandbox::SandboxPayer),
}

impl Connector {
    /// A short name for logs and errors.
    pub fn name(&self) -> &str {
        match self {
            Self::Sandbox(_) => "sandbox",
        }
    }

    /// Sends the 270 and returns the payer's document as received.
    pub async fn send(&self, out: Outbound<'_>) -> Result<String, ConnectorError> {
        match self {
            Self::Sandbox(s) => Ok(s.answer(out.inquiry).await),
        }
    }
}

/// The connectors, and which one a request goes to.
#[derive(Debug)]
pub struct Payers {
    sandbox: Connector,
    timeout: Duration,
}

impl Payers {
    /// The sandbox payer with `delay`, and the payer deadline.
    pub fn new(sandbox_delay: Duration, timeout: Duration) -> Self {
        Self {
            sandbox: Connector::Sandbox(sandbox::SandboxPayer::new(sandbox_delay)),
            timeout,
        }
    }

    /// The connector for a request.
    pub fn route(&self, _payer_id: &str) -> &Connector {
        &self.sandbox
    }

    /// Sends through `connector` under the payer deadline.
    pub async fn send(
        &self,
        connector: &Connector,
        out: Outbound<'_>,
    ) -> Result<String, ConnectorError> {
        tokio::time::timeout(self.timeout, connector.send(out))
            .await
            .unwrap_or_else(|_| {
                Err(ConnectorError::Timeout {
                    payer: connector.name().to_owned(),
                    timeout: self.timeout,
                })
            })
    }
}
