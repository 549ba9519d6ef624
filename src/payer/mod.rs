//! Payer connectors: the one place the gateway calls out. A `Connector` takes the (repaired) 270
//! or the 276 and returns the payer's document as received; the caller maps it. Every call has a deadline.
//! Kinds: the built-in sandbox, `http` (a Change-compatible raw-X12 endpoint: Change/Optum or
//! Stedi) and `caqh-core` (CAQH CORE Phase II real-time SOAP). [`Payers`] picks one per request.

mod breaker;
mod caqh;
mod events;
mod mime;
mod raw_x12_upstream;
mod retry;
mod route;
pub mod sandbox;
mod soap;
mod tls;
mod transport;
mod upstream_token;

use std::time::Duration;

use crate::claim_status::StatusInquiry;
use crate::eligibility::Inquiry;
pub use events::{BreakerState, Events, Unobserved};
pub use route::{Payers, Ticket};
pub use tls::unix_now;
pub use upstream_token::OnFetch;

/// What a connector needs from the request.
#[derive(Debug, Clone, Copy)]
pub struct Outbound<'a> {
    /// The X12 to send (the 270 or 276), repaired when repairs applied.
    pub x12: &'a str,
    /// The same X12, read.
    pub query: Query<'a>,
}

/// The request's X12, read: what the sandbox answers from and the connectors log.
#[derive(Debug, Clone, Copy)]
pub enum Query<'a> {
    /// A 270.
    Eligibility(&'a Inquiry<'a>),
    /// A 276.
    ClaimStatus(&'a StatusInquiry<'a>),
}

/// Interchange, group and transaction control numbers and BHT03 of the request (not PHI).
#[derive(Debug, Clone, Copy, Default)]
pub struct Controls<'a> {
    /// ISA13.
    pub isa13: &'a str,
    /// GS06.
    pub gs06: &'a str,
    /// ST02.
    pub st02: &'a str,
    /// BHT03.
    pub bht03: &'a str,
}

impl<'a> Outbound<'a> {
    /// A 270 and its reading.
    pub fn eligibility(x12: &'a str, inquiry: &'a Inquiry<'a>) -> Self {
        Self {
            x12,
            query: Query::Eligibility(inquiry),
        }
    }

    /// A 276 and its reading.
    pub fn claim_status(x12: &'a str, inquiry: &'a StatusInquiry<'a>) -> Self {
        Self {
            x12,
            query: Query::ClaimStatus(inquiry),
        }
    }

    /// Which transaction this is (CORE's `PayloadType` and the upstream route follow it).
    pub fn transaction(&self) -> Transaction {
        match self.query {
            Query::Eligibility(_) => Transaction::Eligibility,
            Query::ClaimStatus(_) => Transaction::ClaimStatus,
        }
    }

    /// The control numbers, for logs that trace one exchange across hops.
    pub fn controls(&self) -> Controls<'a> {
        match self.query {
            Query::Eligibility(q) => Controls {
                isa13: q.envelope.control_number,
                gs06: q.envelope.group_control_number,
                st02: q.envelope.transaction_control_number,
                bht03: q.envelope.reference.unwrap_or(""),
            },
            Query::ClaimStatus(q) => Controls {
                isa13: q.control_number.unwrap_or(""),
                gs06: q.group_control_number.unwrap_or(""),
                st02: q.transaction_control_number.unwrap_or(""),
                bht03: q.reference.unwrap_or(""),
            },
        }
    }
}

/// The X12 transaction a connector sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transaction {
    /// A 270 eligibility inquiry (005010X279A1).
    Eligibility,
    /// A 276 claim status request (005010X212).
    ClaimStatus,
}

impl Transaction {
    /// Both, in the order settings name them.
    pub const ALL: [Self; 2] = [Self::Eligibility, Self::ClaimStatus];

    /// CORE's `PayloadType` for the request.
    pub fn core_payload_type(self) -> &'static str {
        match self {
            Self::Eligibility => "X12_270_Request_005010X279A1",
            Self::ClaimStatus => "X12_276_Request_005010X212",
        }
    }

    /// The name in settings (`payers.connectors.<name>.transactions`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligibility => "eligibility",
            Self::ClaimStatus => "claim_status",
        }
    }

    /// The name in prose ("eligibility", "claim status").
    pub fn describe(self) -> &'static str {
        match self {
            Self::Eligibility => "eligibility",
            Self::ClaimStatus => "claim status",
        }
    }

    /// The request document: `270` or `276`.
    pub fn request_set(self) -> &'static str {
        match self {
            Self::Eligibility => "270",
            Self::ClaimStatus => "276",
        }
    }

    /// The answer document: `271` or `277`.
    pub fn response_set(self) -> &'static str {
        match self {
            Self::Eligibility => "271",
            Self::ClaimStatus => "277",
        }
    }
}

/// Why a payer call failed. Names the connector and its upstream's host, never credentials, URLs
/// with their paths or queries, or anything from the 270.
#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// No answer within the deadline.
    #[error("payer {payer} did not answer within {} ms", timeout.as_millis())]
    Timeout {
        /// Connector name, with the upstream's host.
        payer: String,
        /// The deadline.
        timeout: Duration,
    },
    /// No route for the payer ID and no default route.
    #[error("payer {payer_id:?} is not configured")]
    NotConfigured {
        /// 2100A NM109 (an identifier of the payer, not PHI).
        payer_id: String,
    },
    /// The payer's route leads to a connector limited to other transactions
    /// (`payers.connectors.<name>.transactions`).
    #[error("payer {payer_id:?} is routed to connector {connector}, which does not serve {}", transaction.describe())]
    NotServed {
        /// 2100A NM109.
        payer_id: String,
        /// The connector's name.
        connector: String,
        /// What the request is.
        transaction: Transaction,
    },
    /// The upstream could not be connected to (refused, unresolvable, TLS failure).
    #[error("upstream {upstream} could not be reached")]
    Unreachable {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// The transport error, its URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// The connection broke before a whole answer arrived (reset, closed).
    #[error("upstream {upstream} dropped the connection before answering")]
    Dropped {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// The transport error, its URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// The TLS handshake failed: the upstream refused our client certificate, or its own
    /// certificate is not trusted (`ca_file`, the public roots) or is for another host.
    #[error("upstream {upstream}: TLS failed: {problem}")]
    Tls {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// Which side refused and why, from the TLS alert or our verifier.
        problem: String,
    },
    /// The connector's circuit breaker is open: it failed `failures` times in a row.
    #[error(
        "payer connection {connector} is failing: its circuit breaker is open after {failures} consecutive failures"
    )]
    BreakerOpen {
        /// The connector's name.
        connector: String,
        /// Consecutive failures that open it.
        failures: u32,
        /// Until the next probe may go through.
        retry_after: Duration,
    },
    /// The upstream answered 429.
    #[error("upstream {upstream} is throttling requests (HTTP 429)")]
    Throttled {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// Its `Retry-After`, in seconds.
        retry_after: Option<Duration>,
    },
    /// The upstream answered an HTTP status we cannot use (5xx, or 401 after a fresh token).
    #[error("upstream {upstream} answered HTTP {status} from its {endpoint}")]
    Status {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// Which of its endpoints: "token endpoint", "raw-x12 endpoint", "SOAP endpoint".
        endpoint: &'static str,
        /// The status code.
        status: u16,
        /// Its `Retry-After`, in seconds.
        retry_after: Option<Duration>,
    },
    /// The answer is not what the protocol promises (not JSON, no `x12`, not SOAP, no payload).
    #[error("upstream {upstream} did not answer as expected: {reason}")]
    BadResponse {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// What is wrong with the answer, without quoting it.
        reason: String,
    },
    /// A CAQH CORE envelope error (`ErrorCode` other than `Success`) or a SOAP fault. Display
    /// (what the log gets) leaves out `message`: it is the upstream's free text and may echo the
    /// 270; only the caller's response carries it.
    #[error("upstream {upstream} refused the request with error code {code}")]
    Refused {
        /// Connector name, with the upstream's host.
        upstream: String,
        /// `ErrorCode`, or the SOAP fault code.
        code: String,
        /// `ErrorMessage`, or the fault reason (shortened, credentials blanked); may echo the
        /// 270, so `Debug` prints a placeholder.
        message: crate::telemetry::Redacted<String>,
    },
}

/// A configured way to reach payers.
#[derive(Debug)]
pub enum Connector {
    /// The built-in sandbox payer.
    Sandbox(sandbox::SandboxPayer),
    /// A Change-compatible raw-X12 endpoint (connector kind `http`).
    Http(raw_x12_upstream::RawX12Connector),
    /// A CAQH CORE real-time SOAP endpoint.
    Caqh(caqh::CaqhConnector),
}

impl Connector {
    /// The configured name (`sandbox` for the built-in one).
    pub fn name(&self) -> &str {
        match self {
            Self::Sandbox(_) => crate::config::SANDBOX,
            Self::Http(c) => c.upstream().name(),
            Self::Caqh(c) => c.upstream().name(),
        }
    }

    /// The name with the upstream's host, for errors and logs.
    pub fn label(&self) -> &str {
        match self {
            Self::Sandbox(_) => crate::config::SANDBOX,
            Self::Http(c) => c.upstream().label(),
            Self::Caqh(c) => c.upstream().label(),
        }
    }

    /// The HTTP upstream, for the connector kinds that have one.
    fn upstream(&self) -> Option<&transport::Upstream> {
        match self {
            Self::Sandbox(_) => None,
            Self::Http(c) => Some(c.upstream()),
            Self::Caqh(c) => Some(c.upstream()),
        }
    }

    /// Retries allowed per request (none for the sandbox).
    pub fn retries(&self) -> u32 {
        self.upstream().map_or(0, transport::Upstream::retries)
    }

    /// The circuit breaker (none for the sandbox).
    fn breaker(&self) -> Option<&breaker::Breaker> {
        self.upstream().map(transport::Upstream::breaker)
    }

    /// This connector's own deadline (`timeout_ms`); `None` for the sandbox.
    pub fn timeout(&self) -> Option<Duration> {
        self.upstream().map(transport::Upstream::timeout)
    }

    /// Whether this connector sends `transaction` (`transactions` in its settings; the sandbox
    /// serves both).
    pub fn serves(&self, transaction: Transaction) -> bool {
        match self {
            Self::Sandbox(_) => true,
            Self::Http(c) => c.serves(transaction),
            Self::Caqh(c) => c.serves(transaction),
        }
    }

    /// Sends the 270 or 276 and returns the payer's document as received.
    pub async fn send(&self, out: Outbound<'_>) -> Result<String, ConnectorError> {
        match self {
            Self::Sandbox(s) => Ok(s.answer(out.query).await),
            Self::Http(c) => c.send(out.x12, out.transaction()).await,
            Self::Caqh(c) => c.send(out).await,
        }
    }
}
