//! Upstreams played by small axum servers on 127.0.0.1: a Change-like API with its token
//! endpoint, a Stedi-like API checking its key, a CAQH CORE SOAP endpoint, and misbehaving ones.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use eligibility_gateway::config::{ConnectorSettings, Mode, Settings};
use serde_json::{Value, json};

/// A 271 the fakes answer with (member 123456789, JOHN SMITH, payer 842610001).
pub const SUBSCRIBER_271: &str =
    include_str!("../fixtures/x12/irobayna-stupidedi/271-X279-response-subscriber.edi");
/// A 271 rejecting the inquiry with an AAA.
pub const REJECTED_271: &str = include_str!(
    "../fixtures/x12/irobayna-stupidedi/271-X279A1-error-not-eligible-for-inquiries.edi"
);
/// Change's raw-X12 path (Stedi's is under `/change`).
pub const CHANGE_RAW: &str = "/medicalnetwork/eligibility/v3/raw-x12";
/// Change's token path.
pub const CHANGE_TOKEN: &str = "/apip/auth/v2/token";

/// Serves `router` on a free loopback port until the test's runtime ends; returns its base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a fake upstream");
    let addr = listener.local_addr().expect("fake address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// A distinctive credential for one test (so a leak into the shared log buffer is ours).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Routes every payer of the demo account through `payers` (the account becomes production).
pub fn production(s: &mut Settings) {
    s.accounts.get_mut("demo").expect("demo account").mode = Mode::Production;
}

/// Connector settings from JSON (the same keys as TOML).
pub fn connector(v: Value) -> ConnectorSettings {
    serde_json::from_value(v).expect("connector settings")
}

/// A Stedi-flavoured connector to `url` whose API key is in `key_file`.
pub fn stedi(url: &str, key_file: &str) -> ConnectorSettings {
    connector(json!({ "kind": "http", "flavor": "stedi", "url": url, "api_key_file": key_file }))
}

/// `{"x12": ...}` as Stedi and Change answer, with a few of their other fields.
pub fn answer_271(x12: &str) -> Response {
    axum::Json(json!({ "meta": { "applicationMode": "production" }, "x12": x12 })).into_response()
}

// ---------------------------------------------------------------- Stedi

/// What a Stedi-like upstream saw.
#[derive(Default)]
pub struct StediFake {
    /// The API key it accepts.
    pub key: String,
    /// Requests with the right key.
    pub calls: AtomicUsize,
    /// Requests with another key.
    pub refused: AtomicUsize,
    /// The `x12` of each accepted request.
    pub bodies: Mutex<Vec<String>>,
    /// The 271 it answers with.
    pub reply: String,
}

async fn stedi_raw(
    State(fake): State<Arc<StediFake>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
    if auth != Some(fake.key.as_str()) {
        fake.refused.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::FORBIDDEN,
            axum::Json(json!({ "message": "Forbidden", "code": "FORBIDDEN" })),
        )
            .into_response();
    }
    fake.calls.fetch_add(1, Ordering::SeqCst);
    let x12 = body["x12"].as_str().unwrap_or_default().to_owned();
    fake.bodies.lock().unwrap().push(x12);
    answer_271(&fake.reply)
}

/// A Stedi-like upstream accepting `key` and answering `reply`; returns it and its raw-X12 URL.
pub async fn stedi_fake(key: &str, reply: &str) -> (Arc<StediFake>, String) {
    let (fake, router) = stedi_router(key, reply);
    let url = format!("{}/change{CHANGE_RAW}", serve(router).await);
    (fake, url)
}

/// The Stedi-like upstream's router (served at `/change` + [`CHANGE_RAW`]), to serve elsewhere.
pub fn stedi_router(key: &str, reply: &str) -> (Arc<StediFake>, Router) {
    let fake = Arc::new(StediFake {
        key: key.to_owned(),
        reply: reply.to_owned(),
        ..StediFake::default()
    });
    let router = Router::new()
        .route(&format!("/change{CHANGE_RAW}"), post(stedi_raw))
        .with_state(Arc::clone(&fake));
    (fake, router)
}

// ---------------------------------------------------------------- Change

/// A Change-like upstream: token endpoint plus raw-X12 endpoint accepting only live tokens.
#[derive(Default)]
pub struct ChangeFake {
    /// Client credentials it accepts.
    pub client: (String, String),
    /// Token requests with the right credentials.
    pub token_calls: AtomicUsize,
    /// Token requests with wrong credentials.
    pub token_refused: AtomicUsize,
    /// Raw-X12 requests (any token).
    pub calls: AtomicUsize,
    /// How many of the next raw-X12 requests get 401 (their token is revoked).
    pub revoke_next: AtomicUsize,
    /// How many raw-X12 requests are refused whatever their token.
    pub refuse_always: std::sync::atomic::AtomicBool,
    /// Tokens issued and not revoked.
    pub live: Mutex<HashSet<String>>,
    /// Every token issued, in order.
    pub issued: Mutex<Vec<String>>,
}

async fn change_token(
    State(fake): State<Arc<ChangeFake>>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let ok = body["client_id"] == fake.client.0.as_str()
        && body["client_secret"] == fake.client.1.as_str()
        && body["grant_type"] == "client_credentials";
    if !ok {
        fake.token_refused.fetch_add(1, Ordering::SeqCst);
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let n = fake.token_calls.fetch_add(1, Ordering::SeqCst);
    let token = unique(&format!("upstream-token-{n}"));
    fake.live.lock().unwrap().insert(token.clone());
    fake.issued.lock().unwrap().push(token.clone());
    axum::Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": 3600 }))
        .into_response()
}

async fn change_raw(State(fake): State<Arc<ChangeFake>>, headers: HeaderMap) -> Response {
    fake.calls.fetch_add(1, Ordering::SeqCst);
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
        .to_owned();
    let live = fake.live.lock().unwrap().contains(&token);
    let revoke = fake
        .revoke_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if !live || revoke || fake.refuse_always.load(Ordering::SeqCst) {
        fake.live.lock().unwrap().remove(&token);
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "message": "Unauthorized" })),
        )
            .into_response();
    }
    answer_271(SUBSCRIBER_271)
}

/// A Change-like upstream accepting `client`; returns it, its raw-X12 URL and its token URL.
pub async fn change_fake(client: (&str, &str)) -> (Arc<ChangeFake>, String, String) {
    let fake = Arc::new(ChangeFake {
        client: (client.0.to_owned(), client.1.to_owned()),
        ..ChangeFake::default()
    });
    let router = Router::new()
        .route(CHANGE_TOKEN, post(change_token))
        .route(CHANGE_RAW, post(change_raw))
        .with_state(Arc::clone(&fake));
    let base = serve(router).await;
    (
        fake,
        format!("{base}{CHANGE_RAW}"),
        format!("{base}{CHANGE_TOKEN}"),
    )
}

// ---------------------------------------------------------------- CAQH CORE

/// SOAP 1.2's namespace.
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// CORE vC2.2.0's namespace.
pub const CORE: &str = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd";
/// WS-Security's namespace.
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

/// One request as the CORE fake read it.
#[derive(Clone, Debug, Default)]
pub struct CoreRequest {
    /// `Content-Type`.
    pub content_type: String,
    /// Text of each element by local name (first occurrence).
    pub fields: std::collections::HashMap<String, String>,
    /// Namespace of each element by local name ("" when unqualified).
    pub namespaces: std::collections::HashMap<String, String>,
    /// The `Type` attribute of `Password`.
    pub password_type: String,
}

/// How the CORE fake answers good credentials.
#[derive(Clone, Debug)]
pub enum CoreReply {
    /// `ErrorCode` Success with this payload and payload type.
    Payload(&'static str, String),
    /// This `ErrorCode` and `ErrorMessage`.
    Error(&'static str, &'static str),
}

/// A CAQH CORE real-time SOAP endpoint.
pub struct CoreFake {
    /// The `UsernameToken` it accepts.
    pub credentials: (String, String),
    /// What it answers.
    pub reply: Mutex<CoreReply>,
    /// Every request, read.
    pub requests: Mutex<Vec<CoreRequest>>,
}

/// Reads a SOAP request with namespaces resolved.
pub fn read_soap(xml: &str) -> CoreRequest {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let mut reader = quick_xml::NsReader::from_str(xml);
    let mut out = CoreRequest::default();
    let mut current = String::new();
    let mut text = String::new();
    loop {
        let (ns, event) = reader.read_resolved_event().expect("well-formed SOAP");
        let ns = match ns {
            ResolveResult::Bound(n) => n.0.to_owned(),
            _ => String::new(),
        };
        match event {
            Event::Start(e) => {
                e.local_name().as_ref().clone_into(&mut current);
                out.namespaces.entry(current.clone()).or_insert(ns);
                if current == "Password" {
                    for a in e.attributes() {
                        let a = a.unwrap();
                        if a.key.local_name().as_ref() == "Type" {
                            out.password_type = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned();
                        }
                    }
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.into_inner()),
            Event::CData(c) => text.push_str(&c.into_inner()),
            Event::GeneralRef(r) => {
                let s = quick_xml::escape::resolve_predefined_entity(&r).expect("known entity");
                text.push_str(s);
            }
            Event::End(_) => {
                out.fields
                    .entry(current.clone())
                    .or_insert_with(|| text.clone());
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn soap_response(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="{SOAP12}"><soap:Body><ns1:COREEnvelopeRealTimeResponse xmlns:ns1="{CORE}">{inner}</ns1:COREEnvelopeRealTimeResponse></soap:Body></soap:Envelope>"#
    )
}

async fn core_endpoint(
    State(fake): State<Arc<CoreFake>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let mut req = read_soap(&body);
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .clone_into(&mut req.content_type);
    fake.requests.lock().unwrap().push(req.clone());
    let soap = [("content-type", "application/soap+xml; charset=utf-8")];
    let user = req.fields.get("Username").cloned().unwrap_or_default();
    let password = req.fields.get("Password").cloned().unwrap_or_default();
    if (user.as_str(), password.as_str())
        != (fake.credentials.0.as_str(), fake.credentials.1.as_str())
    {
        // Careless servers echo what they got; the gateway must not pass that on.
        let fault = format!(
            r#"<?xml version="1.0"?><env:Envelope xmlns:env="{SOAP12}"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>wsse:FailedAuthentication</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Authentication failed for {} with password {}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>"#,
            quick_xml::escape::escape(user.as_str()),
            quick_xml::escape::escape(password.as_str()),
        );
        return (StatusCode::INTERNAL_SERVER_ERROR, soap, fault).into_response();
    }
    let payload_id = req.fields.get("PayloadID").cloned().unwrap_or_default();
    let inner = match fake.reply.lock().unwrap().clone() {
        CoreReply::Payload(kind, x12) => format!(
            "<PayloadType>{kind}</PayloadType><ProcessingMode>RealTime</ProcessingMode>\
             <PayloadID>{payload_id}</PayloadID><TimeStamp>2026-01-01T00:00:00Z</TimeStamp>\
             <SenderID>PAYER</SenderID><ReceiverID>GATEWAY</ReceiverID>\
             <CORERuleVersion>2.2.0</CORERuleVersion><Payload><![CDATA[{x12}]]></Payload>\
             <ErrorCode>Success</ErrorCode><ErrorMessage></ErrorMessage>"
        ),
        CoreReply::Error(code, message) => format!(
            "<PayloadType>CoreEnvelopeError</PayloadType><ProcessingMode>RealTime</ProcessingMode>\
             <PayloadID>{payload_id}</PayloadID><ErrorCode>{code}</ErrorCode>\
             <ErrorMessage>{message}</ErrorMessage>"
        ),
    };
    (StatusCode::OK, soap, soap_response(&inner)).into_response()
}

/// A CORE endpoint accepting `credentials`; returns it and its URL.
pub async fn core_fake(credentials: (&str, &str), reply: CoreReply) -> (Arc<CoreFake>, String) {
    let fake = Arc::new(CoreFake {
        credentials: (credentials.0.to_owned(), credentials.1.to_owned()),
        reply: Mutex::new(reply),
        requests: Mutex::new(Vec::new()),
    });
    let router = Router::new()
        .route("/core/realtime", post(core_endpoint))
        .with_state(Arc::clone(&fake));
    let url = format!("{}/core/realtime", serve(router).await);
    (fake, url)
}
