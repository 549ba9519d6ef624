//! The `caqh-core` connector against a loopback CORE SOAP endpoint: the envelope's fields and
//! WS-Security credentials as the endpoint reads them, the 271 from `Payload`, and envelope
//! errors and SOAP faults as 502s that keep the upstream's message but never our password.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::json;

use crate::fakes::*;
use crate::helpers::*;

async fn core_app(password_sent: &str, fake_url: &str) -> TestApp {
    let secret = secret_file(password_sent);
    let password_file = secret.path();
    let url = fake_url.to_owned();
    spawn_app(move |s| {
        production(s);
        s.payers.connectors.insert(
            "core-payer".into(),
            connector(json!({
                "kind": "caqh-core", "url": url, "sender_id": "GATEWAY01",
                "receiver_id": "00123", "username": "gateway-user",
                "password_file": password_file,
            })),
        );
        s.payers.routes.insert("00123".into(), "core-payer".into());
    })
    .await
}

fn x12() -> String {
    inquiry("00123", "0000000001", "DOEONE", "JOHNONE")
}

#[tokio::test]
async fn the_envelope_carries_core_fields_and_credentials_and_its_271_is_mapped() {
    let password = unique("core-password");
    let reply = CoreReply::Payload("X12_271_Response_005010X279A1", SUBSCRIBER_271.to_owned());
    let (fake, url) = core_fake(("gateway-user", &password), reply).await;
    let app = core_app(&password, &url).await;
    let sent = x12();
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["subscriber"]["memberId"], "123456789");
    assert_eq!(body["x12"], SUBSCRIBER_271);
    assert_eq!(app.raw_x12(&sent).await.0, StatusCode::OK);

    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    let r = &requests[0];
    assert!(
        r.content_type.starts_with("application/soap+xml"),
        "{}",
        r.content_type
    );
    assert_eq!(r.namespaces["Envelope"], SOAP12);
    assert_eq!(r.namespaces["COREEnvelopeRealTimeRequest"], CORE);
    assert_eq!(r.namespaces["PayloadType"], "", "children are unqualified");
    assert_eq!(r.namespaces["UsernameToken"], WSSE);
    let f = |k: &str| r.fields.get(k).map(String::as_str).unwrap_or_default();
    assert_eq!(f("PayloadType"), "X12_270_Request_005010X279A1");
    assert_eq!(f("ProcessingMode"), "RealTime");
    assert_eq!(f("CORERuleVersion"), "2.2.0");
    assert_eq!(f("SenderID"), "GATEWAY01");
    assert_eq!(f("ReceiverID"), "00123");
    assert_eq!(f("Payload"), sent, "the 270, byte for byte");
    assert_eq!(
        (f("Username"), f("Password")),
        ("gateway-user", password.as_str())
    );
    assert!(
        r.password_type.ends_with("#PasswordText"),
        "{}",
        r.password_type
    );
    let payload_id = uuid::Uuid::parse_str(f("PayloadID")).expect("PayloadID is a UUID");
    assert_eq!(payload_id.get_version_num(), 4);
    assert_ne!(
        requests[1].fields["PayloadID"], requests[0].fields["PayloadID"],
        "a fresh PayloadID per call"
    );
    let ts = f("TimeStamp");
    let shape: String = ts
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect();
    assert_eq!(shape, "dddd-dd-ddTdd:dd:ddZ", "UTC ISO 8601: {ts}");

    assert_eq!(app.free_slots(), 5);
    assert_not_logged(&id, &[&password]);
    let logs = logs_text();
    let line = logs
        .lines()
        .find(|l| {
            l.contains("CORE real-time request") && l.contains(payload_id.to_string().as_str())
        })
        .expect("the PayloadID is logged with the control numbers");
    let line: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(line["isa13"], "000010216");
}

#[tokio::test]
async fn an_error_code_other_than_success_is_a_502_keeping_the_error_message() {
    let password = unique("core-password");
    let reply = CoreReply::Error(
        "PayloadIDMissing",
        "Receiver could not process the envelope",
    );
    let (_fake, url) = core_fake(("gateway-user", &password), reply).await;
    let app = core_app(&password, &url).await;
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "BAD_GATEWAY");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("core-payer (127.0.0.1:"), "{message}");
    assert!(
        message.contains("PayloadIDMissing")
            && message.contains("Receiver could not process the envelope"),
        "{message}"
    );
    assert_eq!(app.free_slots(), 5);
    // The upstream's free text may echo the 270: the caller gets it, the log does not.
    assert_not_logged(&id, &[&password, "Receiver could not process the envelope"]);
}

#[tokio::test]
async fn a_soap_fault_is_a_502_keeping_its_reason_without_our_password() {
    let (ours, theirs) = (unique("wrong-password"), unique("core-password"));
    let reply = CoreReply::Payload("X12_271_Response_005010X279A1", SUBSCRIBER_271.to_owned());
    let (fake, url) = core_fake(("gateway-user", &theirs), reply).await;
    let app = core_app(&ours, &url).await;
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("FailedAuthentication"), "{message}");
    assert!(
        message.contains("Authentication failed for gateway-user"),
        "{message}"
    );
    assert!(
        !message.contains(&ours),
        "the echoed password is blanked: {message}"
    );
    assert!(message.contains("<redacted>"), "{message}");
    assert_eq!(fake.requests.lock().unwrap().len(), 1);
    assert_eq!(app.free_slots(), 5);
    assert_not_logged(
        &id,
        &[&ours, &theirs, "Authentication failed for gateway-user"],
    );
}

#[tokio::test]
async fn a_999_or_an_empty_payload_is_a_502_invalid_payer_response() {
    let password = unique("core-password");
    let reply = CoreReply::Payload(
        "X12_999_Response_005010X231A1",
        "ISA*00*~ST*999*0001~".into(),
    );
    let (fake, url) = core_fake(("gateway-user", &password), reply).await;
    let app = Arc::new(core_app(&password, &url).await);
    let (status, body) = app.raw_x12(&x12()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    assert!(body["message"].as_str().unwrap().contains("999"), "{body}");
    *fake.reply.lock().unwrap() =
        CoreReply::Payload("X12_271_Response_005010X279A1", String::new());
    let (status, body) = app.raw_x12(&x12()).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("no Payload"),
        "{body}"
    );
    assert_eq!(app.free_slots(), 5);
}
