//! `POST /apip/auth/v2/token`: OAuth 2 client credentials as Change Healthcare does it. The client
//! sends `client_id`, `client_secret` and `grant_type=client_credentials` as a form or as JSON (or
//! the credentials as `Authorization: Basic`, RFC 6749 §2.3.1) and gets a bearer token for its
//! account; errors are RFC 6749 §5.2 bodies.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::Deserialize;

use super::AppState;
use super::body::BodyBytes;
use super::error::ApiError;

/// The token path, as Change serves it.
pub const TOKEN_PATH: &str = "/apip/auth/v2/token";

/// RFC 6749 §5.2 error codes we answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// Malformed request: unreadable body, missing `grant_type`, repeated parameter.
    InvalidRequest,
    /// Unknown client, wrong secret, or no client credentials.
    InvalidClient,
    /// A grant other than `client_credentials`.
    UnsupportedGrantType,
}

impl OAuthError {
    /// The RFC's code string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// The request parameters. No `Debug`: it holds the client secret.
#[derive(Deserialize, Default)]
struct TokenRequest {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    grant_type: Option<String>,
}

fn refuse(error: OAuthError, description: impl Into<String>) -> ApiError {
    ApiError::OAuth {
        error,
        description: description.into(),
    }
}

/// Reads the parameters from a JSON or form body; the content type decides, and without one a
/// body starting with `{` is JSON. Messages never quote the body (it holds the secret).
fn parse(headers: &HeaderMap, body: &[u8]) -> Result<TokenRequest, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let json = match content_type.as_deref() {
        Some("application/json") => true,
        Some("application/x-www-form-urlencoded") => false,
        None => body.trim_ascii_start().starts_with(b"{"),
        Some(_) => {
            return Err(refuse(
                OAuthError::InvalidRequest,
                "Send the parameters as application/x-www-form-urlencoded or application/json.",
            ));
        }
    };
    if json {
        serde_json::from_slice(body).map_err(|e| {
            refuse(
                OAuthError::InvalidRequest,
                format!(
                    "The JSON body could not be read (line {}, column {}); send string fields client_id, client_secret and grant_type.",
                    e.line(),
                    e.column()
                ),
            )
        })
    } else {
        serde_urlencoded::from_bytes(body).map_err(|_| {
            refuse(
                OAuthError::InvalidRequest,
                "The form body could not be read; send client_id, client_secret and grant_type once each.",
            )
        })
    }
}

/// Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: base64 of the form-encoded
/// id, a colon and the form-encoded secret); `None` without that header.
fn basic(headers: &HeaderMap) -> Result<Option<(String, String)>, ApiError> {
    if headers.get_all(AUTHORIZATION).iter().nth(1).is_some() {
        return Err(refuse(
            OAuthError::InvalidRequest,
            "The request has more than one `Authorization` header; send exactly one.",
        ));
    }
    let Some((scheme, encoded)) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
    else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let unreadable = || {
        refuse(
            OAuthError::InvalidRequest,
            "The Authorization: Basic header could not be read; send base64 of client_id:client_secret.",
        )
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| unreadable())?;
    let text = String::from_utf8(decoded).map_err(|_| unreadable())?;
    let (id, secret) = text.split_once(':').ok_or_else(unreadable)?;
    let form_decoded = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .map(std::borrow::Cow::into_owned)
            .map_err(|_| unreadable())
    };
    Ok(Some((form_decoded(id)?, form_decoded(secret)?)))
}

/// The client's credentials, from the header or the body: one method only (RFC 6749 §2.3).
fn credentials(
    header: Option<(String, String)>,
    id: Option<String>,
    secret: Option<String>,
) -> Result<(String, String), ApiError> {
    match (header, id, secret) {
        (Some(_), _, Some(_)) => Err(refuse(
            OAuthError::InvalidRequest,
            "Send the client credentials once: in the Authorization: Basic header or in the body, not both.",
        )),
        (Some((hid, _)), Some(id), None) if id != hid => Err(refuse(
            OAuthError::InvalidRequest,
            "client_id in the body differs from the one in the Authorization: Basic header.",
        )),
        (Some(pair), _, None) => Ok(pair),
        (None, Some(id), Some(secret)) => Ok((id, secret)),
        (None, _, _) => Err(refuse(
            OAuthError::InvalidClient,
            "The parameters client_id and client_secret are required (in the body, or as Authorization: Basic).",
        )),
    }
}

fn present(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// The handler.
pub async fn token(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<BodyBytes, ApiError>,
) -> Result<Response, ApiError> {
    let BodyBytes(body) = body.map_err(|e| match e {
        ApiError::BodyTimeout { .. } | ApiError::TooLarge { .. } => e,
        _ => refuse(
            OAuthError::InvalidRequest,
            "The request body could not be read.",
        ),
    })?;
    let req = parse(&headers, &body)?;
    let grant = present(req.grant_type).ok_or_else(|| {
        refuse(
            OAuthError::InvalidRequest,
            "The parameter grant_type is required; use client_credentials.",
        )
    })?;
    if grant != "client_credentials" {
        return Err(refuse(
            OAuthError::UnsupportedGrantType,
            "Only the client_credentials grant is supported.",
        ));
    }
    let (client_id, secret) = credentials(
        basic(&headers)?,
        present(req.client_id),
        present(req.client_secret),
    )?;
    let caller = state
        .accounts
        .by_client(&client_id, &secret)
        .ok_or_else(|| refuse(OAuthError::InvalidClient, "Client authentication failed."))?;
    tracing::Span::current().record("account", &*caller.account);
    let issued = state
        .tokens
        .issue(&caller.account, &client_id)
        .map_err(|e| ApiError::Internal(format!("cannot sign an access token: {e}")))?;
    // RFC 6749 §5.1: token responses must not be cached.
    Ok((
        [(CACHE_CONTROL, "no-store"), (PRAGMA, "no-cache")],
        Json(serde_json::json!({
            "access_token": issued.access_token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
        })),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ct: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(ct) = ct {
            h.insert(CONTENT_TYPE, ct.parse().unwrap());
        }
        h
    }

    fn error(r: Result<TokenRequest, ApiError>) -> (OAuthError, String) {
        match r {
            Err(ApiError::OAuth { error, description }) => (error, description),
            Err(e) => panic!("not an OAuth error: {e:?}"),
            Ok(_) => panic!("parsed"),
        }
    }

    #[test]
    fn form_and_json_bodies_and_their_errors() {
        let form = b"grant_type=client_credentials&client_id=a&client_secret=b%26c&scope=x";
        let r = parse(&headers(Some("application/x-www-form-urlencoded")), form).unwrap();
        assert_eq!(r.client_secret.as_deref(), Some("b&c"));
        let json = br#"{"client_id":"a","client_secret":"b","grant_type":"client_credentials"}"#;
        let r = parse(&headers(Some("application/json; charset=utf-8")), json).unwrap();
        assert_eq!(r.client_id.as_deref(), Some("a"));
        assert!(parse(&headers(None), json).is_ok(), "sniffed as JSON");
        assert!(parse(&headers(None), form).is_ok(), "sniffed as a form");
        let (e, _) = error(parse(&headers(Some("text/plain")), form));
        assert_eq!(e, OAuthError::InvalidRequest);
        let (e, d) = error(parse(
            &headers(Some("application/json")),
            br#"{"client_secret":"SECRET1","#,
        ));
        assert_eq!(e, OAuthError::InvalidRequest);
        assert!(!d.contains("SECRET1"), "{d}");
        let (e, _) = error(parse(
            &headers(Some("application/json")),
            br#"{"client_secret":5}"#,
        ));
        assert_eq!(e, OAuthError::InvalidRequest);
        let dup = b"client_id=a&client_id=b";
        let (e, _) = error(parse(
            &headers(Some("application/x-www-form-urlencoded")),
            dup,
        ));
        assert_eq!(e, OAuthError::InvalidRequest, "parameters must not repeat");
    }
}
