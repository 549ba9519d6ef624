//! The `caqh-core` connector with `envelope = "mime"`: a loopback CORE endpoint parses the
//! multipart body with a real multipart parser (`multer`) and answers in the same form.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::json;

use crate::fakes::*;
use crate::helpers::*;

/// What the MIME fake saw and answers.
struct MimeFake {
    /// Each request's form fields.
    forms: Mutex<Vec<HashMap<String, String>>>,
    /// `Some((code, message))`: answer this envelope error.
    error: Option<(&'static str, &'static str)>,
}

/// A multipart/form-data body of `fields`: (content type, body).
pub fn form(fields: &[(&str, &str)]) -> (String, String) {
    let b = "fake-boundary-42";
    let mut body = String::new();
    for (n, v) in fields {
        write!(
            body,
            "--{b}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n"
        )
        .unwrap();
    }
    write!(body, "--{b}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={b}"), body)
}

/// The form fields of a CORE HTTP+MIME request, as a payer's endpoint reads them.
pub async fn read_form(headers: &HeaderMap, body: &[u8]) -> HashMap<String, String> {
    let ct = headers["content-type"].to_str().unwrap().to_owned();
    let boundary = multer::parse_boundary(&ct).expect("a multipart request");
    let mut parts = multer::Multipart::with_reader(body, boundary);
    let mut fields = HashMap::new();
    while let Some(field) = parts.next_field().await.expect("well-formed multipart") {
        let name = field.name().expect("named part").to_owned();
        fields.insert(name, field.text().await.unwrap());
    }
    fields
}

async fn mime_endpoint(
    State(fake): State<Arc<MimeFake>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let fields = read_form(&headers, &body).await;
    let payload_id = fields.get("PayloadID").cloned().unwrap_or_default();
    fake.forms.lock().unwrap().push(fields);
    let (ct, body) = match fake.error {
        Some((code, message)) => form(&[
            ("PayloadType", "CoreEnvelopeError"),
            ("ProcessingMode", "RealTime"),
            ("PayloadID", &payload_id),
            ("ErrorCode", code),
            ("ErrorMessage", message),
        ]),
        None => form(&[
            ("PayloadType", "X12_271_Response_005010X279A1"),
            ("ProcessingMode", "RealTime"),
            ("PayloadID", &payload_id),
            ("TimeStamp", "2026-01-01T00:00:00Z"),
            ("SenderID", "PAYER"),
            ("ReceiverID", "GATEWAY01"),
            ("CORERuleVersion", "2.2.0"),
            ("Payload", SUBSCRIBER_271),
            ("ErrorCode", "Success"),
            ("ErrorMessage", ""),
        ]),
    };
    let status = if fake.error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    (status, [("content-type", ct)], body).into_response()
}

async fn mime_app(error: Option<(&'static str, &'static str)>) -> (TestApp, Arc<MimeFake>, String) {
    let fake = Arc::new(MimeFake {
        forms: Mutex::new(Vec::new()),
        error,
    });
    let router = Router::new()
        .route("/core", post(mime_endpoint))
        .with_state(Arc::clone(&fake));
    let url = format!("{}/core", serve(router).await);
    let password = unique("mime-password");
    let secret = secret_file(&password);
    let password_file = secret.path();
    let app = spawn_app(|s| {
        production(s);
        s.payers.connectors.insert(
            "core-mime".into(),
            connector(json!({
                "kind": "caqh-core", "envelope": "mime", "url": url, "sender_id": "GATEWAY01",
                "receiver_id": "00123", "username": "gateway-user",
                "password_file": password_file, "retries": 0,
            })),
        );
        s.payers.routes.insert("00123".into(), "core-mime".into());
    })
    .await;
    (app, fake, password)
}

#[tokio::test]
async fn the_mime_envelope_carries_every_core_field_and_its_271_is_mapped() {
    let (app, fake, password) = mime_app(None).await;
    let sent = inquiry("00123", "0000000001", "DOEONE", "JOHNONE");
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subscriber"]["memberId"], "123456789");
    let forms = fake.forms.lock().unwrap().clone();
    assert_eq!(forms.len(), 1);
    let f = &forms[0];
    assert_eq!(f["ProcessingMode"], "RealTime");
    assert_eq!(f["PayloadType"], "X12_270_Request_005010X279A1");
    assert_eq!(f["SenderID"], "GATEWAY01");
    assert_eq!(f["ReceiverID"], "00123");
    assert_eq!(f["CORERuleVersion"], "2.2.0");
    assert_eq!(f["UserName"], "gateway-user");
    assert_eq!(f["Password"], password);
    assert!(
        uuid::Uuid::parse_str(&f["PayloadID"]).is_ok(),
        "{}",
        f["PayloadID"]
    );
    assert!(
        f["TimeStamp"].len() == 20 && f["TimeStamp"].ends_with('Z'),
        "{}",
        f["TimeStamp"]
    );
    assert!(f["Payload"].starts_with("ISA*") && f["Payload"].contains("PI*00123"));
    assert_eq!(f.len(), 10, "no other fields: {:?}", f.keys());
    assert_not_logged(&id, &[&password]);
}

#[tokio::test]
async fn a_mime_envelope_error_is_a_502_with_the_payers_code_and_message() {
    let (app, fake, _) = mime_app(Some(("UnAuthorized", "Sender not authorized"))).await;
    let (status, body) = app
        .raw_x12(&inquiry("00123", "0000000001", "DOEONE", "JOHNONE"))
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "BAD_GATEWAY");
    let m = body["message"].as_str().unwrap();
    assert!(
        m.contains("core-mime")
            && m.contains("UnAuthorized")
            && m.contains("Sender not authorized"),
        "{m}"
    );
    assert_eq!(fake.forms.lock().unwrap().len(), 1, "not retried");
}
