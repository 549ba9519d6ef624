//! The raw-X12 request body, read with our own rejections: `serde_json` messages can quote the
//! input, so we keep line and column and drop the text.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde_json::Value;

use super::AppState;
use super::error::ApiError;

/// `{"x12": "..."}`; Stedi's optional `externalPatientId` and other fields are accepted and ignored.
#[derive(Debug)]
pub struct RawX12Request {
    /// The 270.
    pub x12: String,
}

impl FromRequest<Arc<AppState>> for RawX12Request {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let BodyBytes(bytes) = BodyBytes::from_request(req, state).await?;
        parse(&bytes)
    }
}

/// The whole body, read within the body limit (413), the body deadline (408), unreadable
/// bodies answered 400; for handlers that parse the body themselves.
#[derive(Debug)]
pub struct BodyBytes(pub Bytes);

impl FromRequest<Arc<AppState>> for BodyBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let after = state.body_timeout;
        let read = tokio::time::timeout(after, Bytes::from_request(req, state))
            .await
            .map_err(|_| ApiError::BodyTimeout { after })?;
        read.map(Self).map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::TooLarge {
                    limit: state.max_body_bytes,
                }
            } else {
                ApiError::BadBody {
                    message: "The request body could not be read.".into(),
                    path: None,
                }
            }
        })
    }
}

/// Parses the body; errors say what is wrong and where, never what the body contained.
pub fn parse(bytes: &[u8]) -> Result<RawX12Request, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadBody {
            message: "The request body is empty; send a JSON object with a string field `x12`."
                .into(),
            path: None,
        });
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ApiError::BadBody {
        message: format!("The request body is not valid JSON (line {}, column {}); send a JSON object with a string field `x12`.", e.line(), e.column()),
        path: None,
    })?;
    let Value::Object(mut map) = value else {
        return Err(ApiError::BadBody {
            message: "The request body must be a JSON object with a string field `x12`.".into(),
            path: None,
        });
    };
    match map.remove("x12") {
        Some(Value::String(x12)) => Ok(RawX12Request { x12 }),
        None | Some(Value::Null) => Err(ApiError::BadBody {
            message: "The field `x12` is required: it holds the X12 270.".into(),
            path: Some("x12"),
        }),
        Some(_) => Err(ApiError::BadBody {
            message: "The field `x12` must be a string holding the X12 270.".into(),
            path: Some("x12"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(r: Result<RawX12Request, ApiError>) -> String {
        match r {
            Err(ApiError::BadBody { message, .. }) => message,
            other => panic!("expected a bad body, got {other:?}"),
        }
    }

    #[test]
    fn bodies_and_their_errors() {
        assert_eq!(
            parse(br#"{"x12":"ISA*","externalPatientId":"p1"}"#)
                .unwrap()
                .x12,
            "ISA*"
        );
        assert!(message(parse(b"not json")).contains("line 1, column 2"));
        assert!(message(parse(b"")).contains("empty"));
        assert!(message(parse(b"[1]")).contains("JSON object"));
        assert!(message(parse(br#"{"X12":"a"}"#)).contains("required"));
        assert!(message(parse(br#"{"x12":5}"#)).contains("must be a string"));
        let secret = message(parse(br#"{"x12": "SMITH*ROBERT", }"#));
        assert!(!secret.contains("SMITH"), "no input quoted: {secret}");
    }
}
