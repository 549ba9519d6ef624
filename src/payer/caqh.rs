//! The `caqh-core` connector: CAQH CORE Phase II real-time, in SOAP 1.2 or HTTP+MIME multipart. Each call sends a fresh
//! `PayloadID` (UUID v4) and the WS-Security `UsernameToken`, and reads the 271 from `Payload`;
//! `ErrorCode` other than `Success` and SOAP faults become `ConnectorError::Refused`, keeping the
//! upstream's message (shortened, our password blanked out).

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE};

use super::mime;
use super::soap::{self, Answer, RealTimeRequest};
use super::transport::{Upstream, retry_after};
use super::{ConnectorError, Outbound, Transaction};
use crate::config::{ConnectorSettings, CoreEnvelope, SettingsError};
use crate::telemetry::Redacted;
use crate::x12::date::Stamp;

/// SOAP 1.2 content type with the CORE operation as its action.
const SOAP_CONTENT_TYPE: &str =
    r#"application/soap+xml; charset=utf-8; action="RealTimeTransaction""#;
/// The longest upstream error message passed on.
const MAX_MESSAGE_CHARS: usize = 300;

/// A CORE real-time SOAP endpoint.
#[derive(Debug)]
pub struct CaqhConnector {
    upstream: Upstream,
    sender_id: String,
    receiver_id: String,
    username: String,
    /// Empty when a client certificate authenticates instead.
    password: Redacted<String>,
    envelope: CoreEnvelope,
    /// Whether it sends 270s and 276s.
    serves: (bool, bool),
}

/// Now in UTC, ISO 8601 to the second: `2026-01-02T03:04:05Z`.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Stamp::rfc3339(i64::try_from(secs).unwrap_or(0))
}

impl CaqhConnector {
    /// Connector `name` on `upstream` from its settings; reads the password now so a missing one
    /// stops start-up.
    pub fn new(
        name: &str,
        cfg: &ConnectorSettings,
        upstream: Upstream,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let field = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
        Ok(Self {
            upstream,
            sender_id: field(&cfg.sender_id),
            receiver_id: field(&cfg.receiver_id),
            username: field(&cfg.username),
            password: Redacted(cfg.password(name).read(lookup)?.unwrap_or_default()),
            envelope: cfg.envelope.unwrap_or_default(),
            serves: (cfg.serves("eligibility"), cfg.serves("claim_status")),
        })
    }

    /// The endpoint.
    pub fn upstream(&self) -> &Upstream {
        &self.upstream
    }

    /// Whether it sends `transaction`.
    pub fn serves(&self, transaction: Transaction) -> bool {
        match transaction {
            Transaction::Eligibility => self.serves.0,
            Transaction::ClaimStatus => self.serves.1,
        }
    }

    /// Sends the 270 (or 276) in a real-time envelope and returns the 271 (or 277) from the
    /// answer's `Payload`.
    pub async fn send(&self, out: Outbound<'_>) -> Result<String, ConnectorError> {
        let payload_id = uuid::Uuid::new_v4().to_string();
        let env = out.controls();
        // CORE asks for the PayloadID to be logged with the control numbers, so one exchange can
        // be traced across every hop; none of these is PHI.
        tracing::info!(
            connector = self.upstream.name(),
            payload_id = %payload_id,
            isa13 = env.isa13,
            gs06 = env.gs06,
            st02 = env.st02,
            bht03 = env.bht03,
            "CORE real-time request"
        );
        let fields = RealTimeRequest {
            payload_type: out.transaction().core_payload_type(),
            payload_id: &payload_id,
            timestamp: &utc_now(),
            sender_id: &self.sender_id,
            receiver_id: &self.receiver_id,
            username: &self.username,
            password: self.password.expose(),
            payload: out.x12,
        };
        let (content_type, accept, body) = match self.envelope {
            CoreEnvelope::Soap => (
                SOAP_CONTENT_TYPE.to_owned(),
                "application/soap+xml, text/xml",
                soap::request(&fields),
            ),
            CoreEnvelope::Mime => {
                let (content_type, body) = mime::request(&fields);
                (content_type, "multipart/form-data", body)
            }
        };
        let endpoint = match self.envelope {
            CoreEnvelope::Soap => "SOAP endpoint",
            CoreEnvelope::Mime => "MIME endpoint",
        };
        let res = self
            .upstream
            .client()
            .post(self.upstream.url().clone())
            .header(CONTENT_TYPE, content_type)
            .header(ACCEPT, accept)
            .body(body)
            .send()
            .await
            .map_err(|e| self.upstream.fault(e))?;
        let status = res.status();
        let retry_after = retry_after(res.headers());
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(self.upstream.status_error(endpoint, status, retry_after));
        }
        let answer_type = res
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let bytes = self.upstream.body(res).await?;
        // Envelope errors usually come with a 4xx or 5xx: read the body whatever the status.
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|_| "the answer is not UTF-8 text".to_owned())
            .and_then(|text| match self.envelope {
                CoreEnvelope::Soap => soap::parse(text),
                CoreEnvelope::Mime => mime::parse(&answer_type, text).map(Answer::Response),
            });
        let answer = match parsed {
            Ok(a) => a,
            Err(reason) if status.is_success() => return Err(self.upstream.bad(reason)),
            Err(_) => return Err(self.upstream.status_error(endpoint, status, retry_after)),
        };
        let r = match answer {
            Answer::Fault { code, reason } => return Err(self.refused(&code, &reason)),
            Answer::Response(r) => r,
        };
        if !r.error_code.eq_ignore_ascii_case(soap::SUCCESS) {
            let code = if r.error_code.is_empty() {
                "(no ErrorCode)"
            } else {
                &r.error_code
            };
            return Err(self.refused(code, &r.error_message));
        }
        if !status.is_success() {
            return Err(self.upstream.status_error(endpoint, status, retry_after));
        }
        if r.payload_type.contains("999") {
            return Err(self.upstream.bad(format!(
                "the payer answered with a 999 acknowledgment: it rejected the {} we sent",
                out.transaction().request_set()
            )));
        }
        if r.payload.is_empty() {
            return Err(self.upstream.bad("the CORE response has no Payload"));
        }
        Ok(r.payload)
    }

    /// A `Refused` keeping the upstream's words, shortened, control characters dropped, and our
    /// own password blanked should the upstream echo it.
    fn refused(&self, code: &str, message: &str) -> ConnectorError {
        let clean = |s: &str| -> String {
            let mut s = s.to_owned();
            let password = self.password.expose();
            if !password.is_empty() {
                s = s.replace(password.as_str(), "<redacted>");
            }
            s.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .take(MAX_MESSAGE_CHARS)
                .collect::<String>()
                .trim()
                .to_owned()
        };
        let message = clean(message);
        ConnectorError::Refused {
            upstream: self.upstream.label().to_owned(),
            code: clean(code),
            message: crate::telemetry::Redacted(if message.is_empty() {
                "(no message)".into()
            } else {
                message
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_iso_8601() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.ends_with('Z') && t.as_bytes()[10] == b'T', "{t}");
    }
}
