//! `ApiError`: where every layer's error meets and becomes the anchors' JSON shapes. The only
//! `match` from error to status code in the crate.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

use super::oauth::OAuthError;
use crate::eligibility::Rejected;
use crate::eligibility::issue::CORRECT_AND_RESUBMIT;
use crate::eligibility::model::Warning;
use crate::eligibility::request::{Dialect, Problem};
use crate::limit::{BackendError, LimitExceeded, Refused};
use crate::payer::ConnectorError;
use crate::telemetry::Redacted;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No usable credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// The token endpoint refuses; answered as RFC 6749 §5.2 `{error, error_description}`.
    #[error("token request refused: {}: {description}", error.as_str())]
    OAuth {
        /// The RFC code.
        error: OAuthError,
        /// What to fix, without quoting the request.
        description: String,
    },
    /// The body is not the JSON we expect.
    #[error("bad request body: {message}")]
    BadBody {
        /// What is wrong, without quoting the body.
        message: String,
        /// The JSON path concerned, when one is.
        path: Option<&'static str>,
    },
    /// A JSON eligibility request with problems, answered in the convention of the path called.
    #[error("invalid JSON request: {} problem(s)", problems.len())]
    InvalidRequest {
        /// Every problem, each with its JSON path.
        problems: Vec<Problem>,
        /// How to answer: the convention of the anchor whose path was called.
        dialect: Dialect,
    },
    /// The request line and headers together are over the limit.
    #[error("request headers over {limit} bytes")]
    HeadersTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is over the configured limit.
    #[error("request body over {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The 270 cannot be sent; carries every problem and the repairs made before giving up.
    #[error("{rejected}")]
    Rejected {
        /// The problems.
        rejected: Rejected,
        /// Repairs that were applied.
        warnings: Vec<Warning>,
    },
    /// Too many failed authentications from this client address.
    #[error("too many failed authentications; retry after {} s", retry_after_secs(*retry_after))]
    AuthThrottled {
        /// Until the address may try again.
        retry_after: std::time::Duration,
    },
    /// The account is at its in-flight limit.
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    /// The connector is at its `max_in_flight`.
    #[error("connector {connector} is at its limit of {limit} requests in flight")]
    ConnectorBusy {
        /// The connector's name.
        connector: String,
        /// Its cap.
        limit: u32,
    },
    /// The shared limiter cannot answer and is configured to refuse.
    #[error("the shared limiter is unavailable")]
    LimiterUnavailable(#[source] BackendError),
    /// The transaction store does not answer and `store.on_error` is `refuse`.
    #[error("the transaction store is unavailable")]
    StoreUnavailable,
    /// The payer call failed.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The payer answered with something that is not a readable 271 (or 277).
    #[error("payer response from {payer} could not be read: {reason}")]
    BadPayerResponse {
        /// Connector or upstream name.
        payer: String,
        /// What was expected: `271` or `277`.
        document: &'static str,
        /// Why (positions, no data).
        reason: String,
        /// The payer's document as received, returned to the caller only (PHI: `Debug` and
        /// `Display` print a placeholder).
        x12: Redacted<String>,
    },
    /// The request body did not arrive completely within `server.body_timeout_ms`.
    #[error("request body not complete within {} ms", after.as_millis())]
    BodyTimeout {
        /// The deadline.
        after: std::time::Duration,
    },
    /// The whole request took longer than the backstop.
    #[error("request timed out")]
    RequestTimeout,
    /// The request's checks did not finish within `validation.cpu_budget_ms` (waiting for a
    /// CPU permit included).
    #[error("checks not done within the CPU budget of {} ms", budget.as_millis())]
    CpuBudget {
        /// The budget.
        budget: std::time::Duration,
    },
    /// No such route.
    #[error("no such route")]
    NotFound,
    /// Route exists, method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A bug or an unexpected fault; the body stays opaque, the log gets the chain.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Refused> for ApiError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Account(e) => Self::Limit(e),
            Refused::Connector { connector, limit } => Self::ConnectorBusy { connector, limit },
            Refused::Unavailable(e) => Self::LimiterUnavailable(e),
        }
    }
}

impl From<Rejected> for ApiError {
    fn from(rejected: Rejected) -> Self {
        Self::Rejected {
            rejected,
            warnings: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct Message<'a> {
    message: &'a str,
    code: &'a str,
}

fn message(status: StatusCode, message: &str, code: &str) -> (StatusCode, Value) {
    (status, json!(Message { message, code }))
}

impl ApiError {
    /// The machine-readable code of the error (also logged).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthorized(_) => "UNAUTHORIZED",
            Self::OAuth { error, .. } => error.as_str(),
            Self::BadBody { .. } => "BAD_REQUEST",
            Self::InvalidRequest { .. } => "INVALID_REQUEST",
            Self::TooLarge { .. } => "PAYLOAD_TOO_LARGE",
            Self::HeadersTooLarge { .. } => "REQUEST_HEADER_FIELDS_TOO_LARGE",
            Self::Rejected { .. } => "INVALID_X12",
            Self::Limit(_) | Self::AuthThrottled { .. } => "TOO_MANY_REQUESTS",
            Self::ConnectorBusy { .. }
            | Self::LimiterUnavailable(_)
            | Self::CpuBudget { .. }
            | Self::StoreUnavailable => "SERVICE_UNAVAILABLE",
            Self::Connector(e) => match e {
                ConnectorError::Timeout { .. } => "GATEWAY_TIMEOUT",
                ConnectorError::NotConfigured { .. } | ConnectorError::NotServed { .. } => {
                    "PAYER_NOT_CONFIGURED"
                }
                ConnectorError::Unreachable { .. } | ConnectorError::BreakerOpen { .. } => {
                    "SERVICE_UNAVAILABLE"
                }
                ConnectorError::Throttled { .. } => "TOO_MANY_REQUESTS",
                ConnectorError::Dropped { .. }
                | ConnectorError::Tls { .. }
                | ConnectorError::Status { .. }
                | ConnectorError::Refused { .. } => "BAD_GATEWAY",
                ConnectorError::BadResponse { .. } => "INVALID_PAYER_RESPONSE",
            },
            Self::BadPayerResponse { .. } => "INVALID_PAYER_RESPONSE",
            Self::BodyTimeout { .. } => "REQUEST_TIMEOUT",
            Self::RequestTimeout => "GATEWAY_TIMEOUT",
            Self::NotFound => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status_and_body().0
    }

    pub(crate) fn status_and_body(&self) -> (StatusCode, Value) {
        let code = self.code();
        match self {
            Self::Unauthorized(why) => message(StatusCode::UNAUTHORIZED, why, code),
            Self::OAuth { error, description } => {
                let status = match error {
                    OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
                    OAuthError::InvalidRequest | OAuthError::UnsupportedGrantType => {
                        StatusCode::BAD_REQUEST
                    }
                };
                (
                    status,
                    json!({ "error": error.as_str(), "error_description": description }),
                )
            }
            Self::BadBody { message: m, path } => {
                let body = match path {
                    Some(p) => {
                        json!({ "message": m, "code": code, "fieldList": [{ "path": p, "message": m }] })
                    }
                    None => json!({ "message": m, "code": code }),
                };
                (StatusCode::BAD_REQUEST, body)
            }
            Self::InvalidRequest { problems, dialect } => invalid_request(problems, *dialect),
            Self::TooLarge { limit } => {
                let m = format!("The request body is larger than the limit of {limit} bytes.");
                message(StatusCode::PAYLOAD_TOO_LARGE, &m, code)
            }
            Self::HeadersTooLarge { limit } => message(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                &format!(
                    "The request line and headers are larger than the limit of {limit} bytes."
                ),
                code,
            ),
            Self::Rejected { rejected, warnings } => {
                let body = if warnings.is_empty() {
                    json!({ "status": "ERROR", "errors": rejected.issues })
                } else {
                    json!({ "status": "ERROR", "errors": rejected.issues, "warnings": warnings })
                };
                (StatusCode::BAD_REQUEST, body)
            }
            Self::AuthThrottled { retry_after } => message(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "Too many failed authentication attempts from this address; retry after {} seconds.",
                    retry_after_secs(*retry_after)
                ),
                code,
            ),
            Self::Limit(_) => message(
                StatusCode::TOO_MANY_REQUESTS,
                "The request can't be submitted because the sender's submission has been throttled: CUSTOMER_LIMIT",
                code,
            ),
            Self::ConnectorBusy { connector, limit } => message(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "The payer connection {connector} is at its limit of {limit} requests in flight; retry shortly."
                ),
                code,
            ),
            Self::StoreUnavailable => message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The gateway cannot record transactions right now; retry shortly.",
                code,
            ),
            Self::LimiterUnavailable(_) => message(
                StatusCode::SERVICE_UNAVAILABLE,
                "The gateway cannot check the request limits right now; retry shortly.",
                code,
            ),
            Self::Connector(e) => {
                let status = match e {
                    ConnectorError::NotConfigured { .. } | ConnectorError::NotServed { .. } => {
                        return (StatusCode::BAD_REQUEST, not_configured(e));
                    }
                    ConnectorError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
                    // Nothing reached the payer: the caller may retry.
                    ConnectorError::Unreachable { .. } => StatusCode::SERVICE_UNAVAILABLE,
                    ConnectorError::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
                    ConnectorError::BreakerOpen { retry_after, .. } => {
                        let text = format!(
                            "{}; retry after {} seconds.",
                            capitalise(&e.to_string()),
                            retry_after_secs(*retry_after)
                        );
                        return message(StatusCode::SERVICE_UNAVAILABLE, &text, code);
                    }
                    ConnectorError::Dropped { .. }
                    | ConnectorError::Tls { .. }
                    | ConnectorError::Status { .. }
                    | ConnectorError::Refused { .. }
                    | ConnectorError::BadResponse { .. } => StatusCode::BAD_GATEWAY,
                };
                // The Display text names the connector and host, never a credential or the 270.
                let mut text = capitalise(&e.to_string());
                if let ConnectorError::Refused { message: m, .. } = e {
                    // The upstream's own words go back to the caller only, never to the log.
                    text = format!("{}: {}", text.trim_end_matches('.'), m.expose());
                }
                message(status, &text, code)
            }
            Self::BadPayerResponse { .. } => (StatusCode::BAD_GATEWAY, self.bad_payer_response()),
            Self::BodyTimeout { after } => message(
                StatusCode::REQUEST_TIMEOUT,
                &format!(
                    "The request body was not complete within {} ms; send the whole body at once.",
                    after.as_millis()
                ),
                code,
            ),
            Self::CpuBudget { budget } => message(
                StatusCode::SERVICE_UNAVAILABLE,
                &format!(
                    "The request could not be checked within the gateway's CPU budget of {} ms per request (the gateway is busy, or the body is unusually large); retry shortly, or send a smaller body.",
                    budget.as_millis()
                ),
                code,
            ),
            Self::RequestTimeout => message(
                StatusCode::GATEWAY_TIMEOUT,
                "The request did not complete in time.",
                code,
            ),
            Self::NotFound => message(
                StatusCode::NOT_FOUND,
                "No such route. The eligibility routes are POST /change/medicalnetwork/eligibility/v3/raw-x12 and /medicalnetwork/eligibility/v3/raw-x12 (raw X12), and POST /change/medicalnetwork/eligibility/v3 and /medicalnetwork/eligibility/v3 (JSON).",
                code,
            ),
            Self::MethodNotAllowed => message(
                StatusCode::METHOD_NOT_ALLOWED,
                "This method is not allowed on this route.",
                code,
            ),
            Self::Internal(_) => message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error.",
                code,
            ),
        }
    }
}

impl ApiError {
    /// The 502 body of `BadPayerResponse`: what could not be read, and the document itself.
    fn bad_payer_response(&self) -> Value {
        let Self::BadPayerResponse {
            payer,
            document,
            reason,
            x12,
        } = self
        else {
            return Value::Null;
        };
        json!({
            "message": format!("The payer's response (via {payer}) is not a readable {document}: {reason}."),
            "code": self.code(),
            "x12": x12.expose(),
        })
    }
}

/// Stedi's unknown-payer 400: the eligibility error shape, AAA 79 "Invalid Participant
/// Identification" at the payer loop. The payer ID is an identifier of the payer, not PHI. With
/// `transaction`, the payer is routed but its connector does not serve that transaction.
fn not_configured(e: &ConnectorError) -> Value {
    let (payer_id, transaction) = match e {
        ConnectorError::NotServed {
            payer_id,
            transaction,
            ..
        } => (payer_id.as_str(), Some(*transaction)),
        ConnectorError::NotConfigured { payer_id } => (payer_id.as_str(), None),
        _ => ("", None),
    };
    let description: String = match transaction {
        Some(t) => format!(
            "Payer {payer_id} is not configured for {} on this gateway: its connection serves other transactions.",
            t.describe()
        ),
        None if payer_id.is_empty() => {
            "The request names no payer in 2100A NM109, and this gateway has no default payer route."
                .to_owned()
        }
        None => format!("Payer {payer_id} is not configured on this gateway."),
    };
    json!({
        "status": "ERROR",
        "tradingPartnerServiceId": payer_id,
        "errors": [{
            "code": "79",
            "description": description,
            "followupAction": CORRECT_AND_RESUBMIT,
            "location": "Loop 2100A",
            "possibleResolutions": if transaction.is_some() {
                "Check the payer ID in 2100A NM109, or ask the gateway's operator to route it to a connection that serves this transaction (payers.connectors.<name>.transactions)."
            } else {
                "Check the payer ID in 2100A NM109, or ask the gateway's operator to route it (payers.routes) or to set a default route (payers.default)."
            },
            "rule": "payer_not_configured",
            "field": "NM109",
        }],
    })
}

/// Problems as each anchor's clients read them; the text names the field, never its value.
fn invalid_request(problems: &[Problem], dialect: Dialect) -> (StatusCode, Value) {
    let described: Vec<(&Problem, String)> =
        problems.iter().map(|p| (p, p.description())).collect();
    match dialect {
        // HTTP 200, `{"errors": [{"field", "description"}]}`.
        Dialect::Change => {
            let errors: Vec<Value> = described
                .iter()
                .map(|(p, d)| json!({ "field": p.path.dotted(), "description": d }))
                .collect();
            (StatusCode::OK, json!({ "errors": errors }))
        }
        // HTTP 400, `{"message", "code", "fieldList": [{"path", "message"}]}`.
        Dialect::Stedi => {
            let first = described.first().map_or("", |(_, d)| d.as_str());
            let n = described.len();
            let message = if n == 1 {
                format!("1 validation error detected: {first}")
            } else {
                format!("{n} validation errors detected; the first: {first}")
            };
            let list: Vec<Value> = described
                .iter()
                .map(|(p, d)| json!({ "path": p.path.pointer(), "message": d }))
                .collect();
            (
                StatusCode::BAD_REQUEST,
                json!({ "message": message, "code": "INVALID_REQUEST", "fieldList": list }),
            )
        }
    }
}

/// Whole seconds, rounded up, at least 1 (`Retry-After` has no fractions).
fn retry_after_secs(d: std::time::Duration) -> u64 {
    (d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(1)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect::<String>() + ".")
        .unwrap_or_default()
}

/// Carried in the response extensions so the request log names the failure.
#[derive(Debug, Clone)]
pub struct ErrorCode(pub &'static str);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        let mut res = (status, Json(body)).into_response();
        res.extensions_mut().insert(ErrorCode(self.code()));
        // RFC 6749 §5.2: a 401 from the token endpoint names the scheme the client may use.
        if matches!(
            self,
            Self::OAuth {
                error: OAuthError::InvalidClient,
                ..
            }
        ) {
            res.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"eligibility-gateway\""),
            );
        }
        // Both clear by themselves within moments.
        if matches!(
            self,
            Self::ConnectorBusy { .. } | Self::LimiterUnavailable(_) | Self::StoreUnavailable
        ) {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if let Self::AuthThrottled { retry_after }
        | Self::Connector(ConnectorError::BreakerOpen { retry_after, .. }) = &self
        {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs(*retry_after)),
            );
        }
        if status.is_server_error() {
            res.extensions_mut().insert(Arc::new(self));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payer_documents_inside_errors_never_format() {
        let x12 = "ISA*00*          *00*~NM1*IL*1*SMITH*ROBERT****MI*11122333301~";
        let errors = [
            ApiError::BadPayerResponse {
                payer: "sandbox".into(),
                document: "271",
                reason: "segment 2: no `BHT`".into(),
                x12: Redacted(x12.into()),
            },
            ApiError::Connector(ConnectorError::Refused {
                upstream: "core (payer.example)".into(),
                code: "Fault".into(),
                message: Redacted(format!("cannot read {x12}")),
            }),
        ];
        for e in errors {
            let printed = format!("{e:?} {e} {:?}", Arc::new(e.to_string()));
            assert!(!printed.contains("SMITH"), "{printed}");
            assert!(!printed.contains("11122333301"), "{printed}");
            // The caller still gets the document.
            let (_, body) = e.status_and_body();
            assert!(body.to_string().contains("11122333301"));
        }
    }
}
