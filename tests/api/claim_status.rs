//! Claim status (276 → 277) over HTTP: Change's and Stedi's routes against the sandbox, the
//! credentials and the account's one slot pool shared with eligibility, and the connectors
//! against loopback fakes (Change and Stedi raw X12 upstreams, CAQH CORE in SOAP and MIME).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fakes::*;
use crate::helpers::*;

/// Change's claim status paths.
const CHANGE_RAW_CS: &str = "/medicalnetwork/claimstatus/v2/raw-x12";
/// Stedi's.
const STEDI_RAW_CS: &str = "/change/medicalnetwork/claimstatus/v2/raw-x12";
/// Change's JSON paths and Stedi's.
const JSON_CS: [&str; 3] = [
    "/medicalnetwork/claimstatus/v2",
    "/medicalnetwork/claimstatus/v2/",
    "/change/medicalnetwork/claimstatus/v2",
];

/// The README's sandbox 276s (subscriber `JOHNONE DOEONE`, and his dependent `JANEONE`).
fn example(file: &str) -> String {
    let text = match file {
        "subscriber" => include_str!("../../examples/claim-status-raw-x12.json"),
        _ => include_str!("../../examples/claim-status-dependent-raw-x12.json"),
    };
    let v: Value = serde_json::from_str(text).expect("example JSON");
    v["x12"].as_str().expect("x12").to_owned()
}

/// The sandbox subscriber's 276 with another payer ID.
fn claim_276(payer: &str) -> String {
    example("subscriber").replace("PI*serviceId~", &format!("PI*{payer}~"))
}

/// A 277 the fakes answer with (P3:317 for FRED SMITH, payer 12345).
const CLAIM_277: &str =
    include_str!("../fixtures/claimstatus/LinuxForHealth-x12/claim-level-status.277");

async fn post_raw(app: &TestApp, path: &str, auth: Option<&str>, x12: &str) -> (StatusCode, Value) {
    app.raw_x12_with(path, auth, x12).await
}

#[tokio::test]
async fn the_healthcheck_answers_as_change_does_without_credentials() {
    let app = spawn_app(|_| {}).await;
    let res = app
        .client()
        .get(format!(
            "{}/medicalnetwork/claimstatus/v2/healthcheck",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.changehealthcare.claimstatus-v2+json"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body, json!({ "status": "UP", "version": "V2" }));
}

#[tokio::test]
async fn the_sandbox_answers_its_subscriber_on_both_paths_in_each_anchors_date_style() {
    let app = spawn_app(|_| {}).await;
    let sent = example("subscriber");
    for (path, paid_date) in [(CHANGE_RAW_CS, "20170415"), (STEDI_RAW_CS, "2017-04-15")] {
        let (status, body) = post_raw(&app, path, Some(DEMO_KEY), &sent).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let cs = &body["claims"][0]["claimStatus"];
        assert_eq!(cs["statusCategoryCode"], "F1", "{body}");
        assert_eq!(
            cs["statusCategoryCodeValue"],
            "Finalized/Payment-The claim/line has been paid."
        );
        assert_eq!(cs["statusCode"], "65");
        assert_eq!(cs["entity"], "Health Maintenance Organization (HMO)");
        assert_eq!(cs["amountPaid"], "219");
        assert_eq!(cs["paidDate"], paid_date, "{path}");
        assert_eq!(cs["trackingNumber"], "ABCD", "the 276's TRN02 is echoed");
        assert_eq!(body["claims"][1]["claimStatus"]["statusCategoryCode"], "F3");
        assert_eq!(body["tradingPartnerServiceId"], "serviceId");
        assert_eq!(body["controlNumber"], "000000001");
        assert_eq!(body["subscriber"]["memberId"], "0000000000");
        assert!(body.get("dependent").is_none());
        assert_eq!(body["meta"]["applicationMode"], "sandbox");
        assert_eq!(body["meta"]["outboundTraceId"], "20001234");
        let x12 = body["x12"].as_str().unwrap();
        assert!(
            x12.contains("ST*277*") && x12.contains("BHT*0010*08*20001234*"),
            "{x12}"
        );
    }
}

#[tokio::test]
async fn the_sandbox_answers_the_dependent_and_does_not_find_anyone_else() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &example("dependent")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["dependent"]["firstName"], "JANEONE");
    assert_eq!(body["claims"][0]["claimStatus"]["statusCategoryCode"], "F1");
    assert_eq!(body["claims"][0]["claimStatus"]["trackingNumber"], "EFGH");
    let stranger = example("subscriber").replace(
        "DOEONE*JOHNONE****MI*0000000000",
        "ROE*RICHARD****MI*123456789",
    );
    let (status, body) = post_raw(&app, STEDI_RAW_CS, Some(DEMO_KEY), &stranger).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cs = &body["claims"][0]["claimStatus"];
    assert_eq!(
        (&cs["statusCategoryCode"], &cs["statusCode"]),
        (&json!("D0"), &json!("35"))
    );
}

#[tokio::test]
async fn every_claim_status_route_wants_credentials() {
    let app = spawn_app(|_| {}).await;
    let sent = example("subscriber");
    for path in [CHANGE_RAW_CS, STEDI_RAW_CS] {
        for auth in [None, Some("not-a-key")] {
            let (status, body) = post_raw(&app, path, auth, &sent).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{path} {auth:?}");
            assert_eq!(body["code"], "UNAUTHORIZED");
        }
    }
    for path in JSON_CS {
        let res = app.post(path).json(&json!({})).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A bearer token from the OAuth endpoint works as for eligibility.
    let token = app.demo_token().await;
    let (status, _) = post_raw(&app, CHANGE_RAW_CS, Some(&format!("Bearer {token}")), &sent).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_270_sent_for_claim_status_is_refused_saying_so_and_a_276_sent_for_eligibility_too() {
    let app = spawn_app(|_| {}).await;
    for path in [CHANGE_RAW_CS, STEDI_RAW_CS] {
        let (status, body) = post_raw(&app, path, Some(DEMO_KEY), &member_inquiry()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["status"], "ERROR");
        let d = body["errors"][0]["description"].as_str().unwrap();
        assert!(d.contains("270") && d.contains("not a 276"), "{d}");
        assert_eq!(body["errors"][0]["field"], "ST01");
    }
    assert_eq!(app.free_slots(), 5, "a refused request takes no slot");
    let (status, body) = app.raw_x12(&example("subscriber")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["status"], "ERROR");
}

#[tokio::test]
async fn bad_bodies_get_the_gateways_400() {
    let app = spawn_app(|_| {}).await;
    for path in [CHANGE_RAW_CS, STEDI_RAW_CS, JSON_CS[0], JSON_CS[2]] {
        let res = app
            .post(path)
            .header("Authorization", DEMO_KEY)
            .header("Content-Type", "application/json")
            .body("not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "BAD_REQUEST", "{path}: {body}");
    }
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), "ISA*garbage").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["status"], "ERROR");
}

#[tokio::test]
async fn claim_status_shares_the_accounts_slots_with_eligibility() {
    let (gated, app) = crate::limits::gated_app(|_| {}).await;
    let five = crate::limits::send(&app, 5);
    gated.arrived(5).await;
    assert_eq!(app.free_slots(), 0);
    for path in [CHANGE_RAW_CS, STEDI_RAW_CS] {
        let (status, body) = post_raw(&app, path, Some(DEMO_KEY), &claim_276("00006")).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{path}: {body}");
        assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    }
    gated.go(5);
    for h in five {
        assert_eq!(h.await.unwrap().0, StatusCode::OK);
    }
    assert_eq!(app.free_slots(), 5);
}

/// What a raw X12 upstream saw: (path, Authorization, x12) of each call.
#[derive(Default)]
struct Upstream {
    calls: Mutex<Vec<(String, String, String)>>,
    reply: String,
}

async fn upstream_raw(
    State(fake): State<Arc<Upstream>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let x12 = body["x12"].as_str().unwrap_or_default().to_owned();
    fake.calls
        .lock()
        .unwrap()
        .push((uri.path().to_owned(), auth, x12));
    answer_271(&fake.reply)
}

async fn upstream_token() -> Response {
    axum::Json(json!({ "access_token": "cs-token", "token_type": "bearer", "expires_in": 3600 }))
        .into_response()
}

/// An upstream serving both anchors' eligibility and claim status raw X12 routes and Change's
/// token endpoint; returns it and its base URL.
async fn upstream(reply: &str) -> (Arc<Upstream>, String) {
    let fake = Arc::new(Upstream {
        reply: reply.to_owned(),
        ..Upstream::default()
    });
    let mut router = Router::new().route(CHANGE_TOKEN, post(upstream_token));
    for p in [CHANGE_RAW, CHANGE_RAW_CS] {
        router = router
            .route(p, post(upstream_raw))
            .route(&format!("/change{p}"), post(upstream_raw));
    }
    let base = serve(router.with_state(Arc::clone(&fake))).await;
    (fake, base)
}

#[tokio::test]
async fn the_http_connector_posts_276s_to_each_flavours_claim_status_route() {
    let (fake, base) = upstream(CLAIM_277).await;
    let key = unique("cs-key");
    let key_file = secret_file(&key);
    let secret = secret_file("cs-secret");
    let (stedi_url, change_url) = (
        format!("{base}/change{CHANGE_RAW}"),
        format!("{base}{CHANGE_RAW}"),
    );
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("stedi-up".into(), stedi(&stedi_url, &key_file.path()));
        s.payers.connectors.insert(
            "change-up".into(),
            connector(json!({
                "kind": "http", "flavor": "change", "url": change_url,
                "token_url": format!("{base}{CHANGE_TOKEN}"), "client_id": "gw",
                "client_secret_file": secret.path(),
            })),
        );
        s.payers.routes.insert("00006".into(), "stedi-up".into());
        s.payers.routes.insert("00007".into(), "change-up".into());
    })
    .await;
    for (payer, path, auth) in [
        ("00006", format!("/change{CHANGE_RAW_CS}"), key.clone()),
        (
            "00007",
            CHANGE_RAW_CS.to_owned(),
            "Bearer cs-token".to_owned(),
        ),
    ] {
        let sent = claim_276(payer);
        let (status, body) = post_raw(&app, STEDI_RAW_CS, Some(DEMO_KEY), &sent).await;
        assert_eq!(status, StatusCode::OK, "{payer}: {body}");
        assert_eq!(body["x12"], CLAIM_277);
        assert_eq!(body["claims"][0]["claimStatus"]["statusCategoryCode"], "P3");
        assert_eq!(body["tradingPartnerServiceId"], payer);
        assert_eq!(body["meta"]["applicationMode"], "production");
        let (got_path, got_auth, got_x12) = fake.calls.lock().unwrap().pop().expect("one call");
        assert_eq!(got_path, path, "{payer}");
        assert_eq!(got_auth, auth, "{payer}");
        assert_eq!(got_x12, sent, "the 276, byte for byte");
    }
}

#[tokio::test]
async fn an_unreadable_277_is_a_502_naming_it_with_the_document() {
    let (_fake, base) = upstream("ISA*not a 277").await;
    let key_file = secret_file("k");
    let url = format!("{base}/change{CHANGE_RAW}");
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("up".into(), stedi(&url, &key_file.path()));
        s.payers.default = "up".into();
    })
    .await;
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &claim_276("00006")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "INVALID_PAYER_RESPONSE");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("not a readable 277"),
        "{body}"
    );
    assert_eq!(body["x12"], "ISA*not a 277");
}

#[tokio::test]
async fn a_connector_limited_to_other_transactions_is_refused_like_an_unconfigured_payer() {
    let (fake, base) = upstream(CLAIM_277).await;
    let key_file = secret_file("k");
    let url = format!("{base}/change{CHANGE_RAW}");
    let app = spawn_app(|s| {
        production(s);
        let mut only = |name: &str, transactions: &str| {
            let mut c = stedi(&url, &key_file.path());
            c.transactions = Some(vec![transactions.to_owned()]);
            s.payers.connectors.insert(name.into(), c);
        };
        only("elig-only", "eligibility");
        only("cs-only", "claim_status");
        s.payers.routes.insert("00006".into(), "elig-only".into());
        s.payers.routes.insert("00007".into(), "cs-only".into());
    })
    .await;
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &claim_276("00006")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["status"], "ERROR");
    assert_eq!(body["tradingPartnerServiceId"], "00006");
    assert_eq!(body["errors"][0]["code"], "79");
    let d = body["errors"][0]["description"].as_str().unwrap();
    assert!(d.contains("00006") && d.contains("claim status"), "{d}");
    let sent_270 = inquiry("00007", "0000000001", "DOEONE", "JOHNONE");
    let (status, body) = app.raw_x12(&sent_270).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("eligibility"),
        "{body}"
    );
    assert!(
        fake.calls.lock().unwrap().is_empty(),
        "nothing reached the upstream"
    );
    // The other way round, each is served.
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &claim_276("00007")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn core_app(url: &str, envelope: &str, password_file: &str) -> TestApp {
    let (url, envelope, password_file) = (
        url.to_owned(),
        envelope.to_owned(),
        password_file.to_owned(),
    );
    spawn_app(move |s| {
        production(s);
        s.payers.connectors.insert(
            "core".into(),
            connector(json!({
                "kind": "caqh-core", "envelope": envelope, "url": url, "sender_id": "GATEWAY01",
                "receiver_id": "00123", "username": "gateway-user",
                "password_file": password_file, "retries": 0,
            })),
        );
        s.payers.routes.insert("00123".into(), "core".into());
    })
    .await
}

#[tokio::test]
async fn caqh_core_soap_sends_the_276_payload_type_and_maps_the_277() {
    let password = unique("core-password");
    let reply = CoreReply::Payload("X12_277_Response_005010X212", CLAIM_277.to_owned());
    let (fake, url) = core_fake(("gateway-user", &password), reply).await;
    let secret = secret_file(&password);
    let app = core_app(&url, "soap", &secret.path()).await;
    let sent = claim_276("00123");
    let (status, body) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["claims"][0]["claimStatus"]["statusCategoryCode"], "P3");
    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].fields["PayloadType"],
        "X12_276_Request_005010X212"
    );
    assert_eq!(requests[0].fields["Payload"], sent);
}

/// Each request's form fields, as the MIME fake read them.
type Forms = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// A CORE HTTP+MIME endpoint answering `CLAIM_277`.
async fn mime_endpoint(
    State(forms): State<Forms>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let fields = crate::core_mime::read_form(&headers, &body).await;
    let payload_id = fields.get("PayloadID").cloned().unwrap_or_default();
    forms.lock().unwrap().push(fields);
    let (ct, body) = crate::core_mime::form(&[
        ("PayloadType", "X12_277_Response_005010X212"),
        ("ProcessingMode", "RealTime"),
        ("PayloadID", &payload_id),
        ("TimeStamp", "2026-01-01T00:00:00Z"),
        ("SenderID", "PAYER"),
        ("ReceiverID", "GATEWAY01"),
        ("CORERuleVersion", "2.2.0"),
        ("Payload", CLAIM_277),
        ("ErrorCode", "Success"),
        ("ErrorMessage", ""),
    ]);
    ([("content-type", ct)], body).into_response()
}

#[tokio::test]
async fn caqh_core_mime_sends_the_276_payload_type_and_maps_the_277() {
    let forms: Forms = Arc::default();
    let router = Router::new()
        .route("/core", post(mime_endpoint))
        .with_state(Arc::clone(&forms));
    let url = format!("{}/core", serve(router).await);
    let secret = secret_file(&unique("mime-password"));
    let app = core_app(&url, "mime", &secret.path()).await;
    let sent = claim_276("00123");
    let (status, body) = post_raw(&app, STEDI_RAW_CS, Some(DEMO_KEY), &sent).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["claims"][0]["claimStatus"]["statusCategoryCode"], "P3");
    let forms = forms.lock().unwrap().clone();
    assert_eq!(forms.len(), 1);
    assert_eq!(forms[0]["PayloadType"], "X12_276_Request_005010X212");
    assert_eq!(forms[0]["Payload"], sent);
}

#[tokio::test]
async fn claim_status_requests_are_counted_by_route_in_the_metrics() {
    let app = spawn_app(|_| {}).await;
    let (status, _) = post_raw(&app, CHANGE_RAW_CS, Some(DEMO_KEY), &example("subscriber")).await;
    assert_eq!(status, StatusCode::OK);
    let text = app
        .client()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("route=\"{CHANGE_RAW_CS}\""))
                && l.contains("status=\"200\"")),
        "{text}"
    );
}

#[test]
fn the_readme_claim_status_connector_example_loads_and_limits_the_connector() {
    let section = include_str!("../../README.md")
        .split("## Claim status")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README section");
    let block = section
        .split("```toml")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a TOML example");
    let path = std::env::temp_dir().join(format!("eg-readme-cs-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(&path, block).unwrap();
    let loaded =
        eligibility_gateway::config::Settings::load_with(Some(&path), Some(HashMap::new()));
    std::fs::remove_file(&path).unwrap();
    let settings = loaded.unwrap_or_else(|e| panic!("{e}\n{block}"));
    let c = &settings.payers.connectors["core-payer"];
    assert!(c.serves("eligibility") && !c.serves("claim_status"));
}

#[tokio::test]
async fn the_request_log_names_route_and_payer_but_no_member_data() {
    let app = spawn_app(|_| {}).await;
    let tag = uuid::Uuid::new_v4().simple().to_string().to_uppercase();
    let (last, member) = (format!("LN{}", &tag[..12]), format!("M{}", &tag[12..24]));
    let sent = example("subscriber").replace(
        "DOEONE*JOHNONE****MI*0000000000",
        &format!("{last}*JOHNONE****MI*{member}"),
    );
    let res = app
        .post(CHANGE_RAW_CS)
        .header("Authorization", DEMO_KEY)
        .json(&json!({ "x12": sent }))
        .send()
        .await
        .unwrap();
    let id = request_id(&res);
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["subscriber"]["lastName"],
        last.as_str(),
        "the caller gets it back"
    );
    let line = log_lines_with(&id)
        .into_iter()
        .find(|l| l["fields"]["message"] == "request" || l["message"] == "request")
        .unwrap_or_else(|| panic!("a request line for {id}: {:?}", log_lines_with(&id)));
    let text = line.to_string();
    assert!(
        text.contains(CHANGE_RAW_CS) && text.contains("serviceId"),
        "{text}"
    );
    assert_not_logged(&id, &[&last, &member]);
}

/// A claim status upstream that holds each call until `go`: says "arrived", waits for a permit.
struct Held {
    arrived_tx: tokio::sync::mpsc::Sender<()>,
    gate: tokio::sync::Semaphore,
}

async fn held_call(State(h): State<Arc<Held>>) -> Response {
    let _ = h.arrived_tx.send(()).await;
    if let Ok(p) = h.gate.acquire().await {
        p.forget();
    }
    answer_271(CLAIM_277)
}

#[tokio::test]
async fn eligibility_is_refused_while_claim_status_calls_hold_the_accounts_slots() {
    let (arrived_tx, mut arrived) = tokio::sync::mpsc::channel(16);
    let held = Arc::new(Held {
        arrived_tx,
        gate: tokio::sync::Semaphore::new(0),
    });
    let router = Router::new()
        .route(&format!("/change{CHANGE_RAW_CS}"), post(held_call))
        .with_state(Arc::clone(&held));
    let url = format!("{}/change{CHANGE_RAW}", serve(router).await);
    let key = secret_file("k");
    let app = Arc::new(
        spawn_app(|s| {
            production(s);
            s.payers
                .connectors
                .insert("held".into(), stedi(&url, &key.path()));
            s.payers.default = "held".into();
        })
        .await,
    );
    let five: Vec<_> = (0..5)
        .map(|_| {
            let app = Arc::clone(&app);
            tokio::spawn(async move {
                post_raw(&app, STEDI_RAW_CS, Some(DEMO_KEY), &claim_276("00006"))
                    .await
                    .0
            })
        })
        .collect();
    for i in 0..5 {
        tokio::time::timeout(crate::gated::PATIENCE, arrived.recv())
            .await
            .unwrap_or_else(|_| panic!("only {i} of 5 claim status calls arrived"));
    }
    assert_eq!(app.free_slots(), 0);
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    held.gate.add_permits(5);
    for h in five {
        assert_eq!(h.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(app.free_slots(), 5);
}

/// The README's JSON request: Change's sandbox subscriber.
fn json_request() -> Value {
    serde_json::from_str(include_str!("../../examples/claim-status-request.json")).unwrap()
}

#[tokio::test]
async fn a_json_request_is_built_into_a_276_the_sandbox_answers_on_both_paths() {
    let app = spawn_app(|_| {}).await;
    let mut req = json_request();
    for path in JSON_CS {
        if path.starts_with("/change/") {
            // Stedi's path wants a nine-digit taxId (Change's sandbox sends ten characters).
            req["providers"][0]["taxId"] = json!("123456789");
        }
        let res = app
            .post(path)
            .header("Authorization", DEMO_KEY)
            .json(&req)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let body: Value = res.json().await.unwrap();
        let cs = &body["claims"][0]["claimStatus"];
        assert_eq!(cs["statusCategoryCode"], "F1", "{path}: {body}");
        assert_eq!(
            body["controlNumber"], "123456789",
            "the request's control number"
        );
        assert_eq!(body["tradingPartnerServiceId"], "serviceId");
        assert_eq!(body["subscriber"]["memberId"], "0000000000");
        // The 277 answers the 276 built from the JSON: its TRN02 is the generated tracking number.
        let x12 = body["x12"].as_str().unwrap();
        assert!(x12.contains("ST*277*"), "{x12}");
        assert!(
            cs["trackingNumber"].as_str().is_some_and(|t| !t.is_empty()),
            "{body}"
        );
    }
}

/// Every problem at once, at its JSON path, in the convention of the path called: Change's a
/// 200 carrying `errors`, Stedi's a 400 `INVALID_REQUEST` with `fieldList`; no slot is taken.
#[tokio::test]
async fn a_json_request_with_problems_is_refused_in_each_anchors_convention() {
    let app = spawn_app(|_| {}).await;
    let required = [
        (
            "tradingPartnerServiceId",
            "tradingPartnerServiceId is required: it names the payer (2100A NM109).",
        ),
        (
            "providers",
            "providers is required: send one provider with providerType BillingProvider (and optionally one ServiceProvider).",
        ),
        (
            "subscriber",
            "subscriber is required: send memberId, firstName and lastName (and dateOfBirth).",
        ),
    ];
    let res = app
        .post(JSON_CS[0])
        .header("Authorization", DEMO_KEY)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "Change answers problems in a 200"
    );
    let body: Value = res.json().await.unwrap();
    let want: Vec<Value> = required
        .iter()
        .map(|(f, d)| json!({ "field": f, "description": d }))
        .collect();
    assert_eq!(body, json!({ "errors": want }));

    let res = app
        .post(JSON_CS[2])
        .header("Authorization", DEMO_KEY)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "INVALID_REQUEST");
    let fields: Vec<Value> = required
        .iter()
        .map(|(f, d)| json!({ "path": format!("/{f}"), "message": d }))
        .collect();
    assert_eq!(body["fieldList"], json!(fields), "{body}");

    // A value is never quoted back in a problem (it may be a member ID).
    let mut req = json_request();
    req["subscriber"]["dateOfBirth"] = json!("1880-13-45");
    let res = app
        .post(JSON_CS[2])
        .header("Authorization", DEMO_KEY)
        .json(&req)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let text = res.text().await.unwrap();
    assert!(text.contains("/subscriber/dateOfBirth"), "{text}");
    assert!(!text.contains("1880-13-45"), "{text}");
    assert_eq!(app.free_slots(), 5, "a refused request takes no slot");
}

/// One error as the 276 validator reports it over HTTP; `at` is (loop, element reference,
/// segment position, byte offset), `say` the description and the resolution.
fn error(rule: &str, at: (&str, &str, u32, u32), x12: &str, say: [&str; 2]) -> Value {
    let (location, field, position, byte) = at;
    let (segment, element) = field.split_at(field.len() - 2);
    json!({
        "code": "71",
        "description": say[0],
        "followupAction": "Please Correct and Resubmit",
        "location": location,
        "possibleResolutions": say[1],
        "rule": rule,
        "field": field,
        "segment": segment,
        "segmentPosition": position,
        "element": element.parse::<u8>().unwrap(),
        "byteOffset": byte,
        "x12ErrorCode": x12,
    })
}

/// Invalid 276s get every problem at once, each placed exactly, alike on Change's and Stedi's
/// raw paths, and take no slot; a repairable one is answered with the repair as a warning.
#[tokio::test]
async fn invalid_276s_get_every_problem_placed_on_both_raw_paths() {
    let app = spawn_app(|_| {}).await;
    let sent = example("subscriber");
    #[rustfmt::skip]
    let table = [
        (
            sent.replace("TRN*1*ABCD~", "TRN*1~"),
            vec![error("element_missing", ("Loop 2200D", "TRN02", 12, 454), "1",
                ["TRN02 in Loop 2200D is required but missing or empty.",
                "Fill TRN02."])],
        ),
        (
            sent.replace("RD8*20100101-20100102", "RD8*20100105-20100102"),
            vec![error("date_range_order", ("Loop 2200D", "DTP03", 14, 488), "8",
                ["DTP03 in Loop 2200D is a range whose start is after its end.",
                "Send DTP03 as CCYYMMDD (DTP02 = D8) or CCYYMMDD-CCYYMMDD with the earlier date first (DTP02 = RD8)."])],
        ),
        (
            sent.replace("NM1*1P*2", "NM1*PE*2").replace("DMG*D8*18800102*M~", "DMG*D8*18800230*M~"),
            vec![
                error("invalid_code", ("Loop 2100C", "NM101", 8, 340), "7",
                    ["NM101 in Loop 2100C is not a valid code here. Allowed: 1P.",
                    "Use a code that 005010X212 allows for NM101 in Loop 2100C."]),
                error("invalid_date", ("Loop 2000D", "DMG02", 10, 402), "8",
                    ["DMG02 (date of birth) in Loop 2000D is not a date that exists (CCYYMMDD).",
                    "Send the date of birth as CCYYMMDD."]),
            ],
        ),
    ];
    for (x12, want) in &table {
        for path in [CHANGE_RAW_CS, STEDI_RAW_CS] {
            let (status, body) = post_raw(&app, path, Some(DEMO_KEY), x12).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
            assert_eq!(body, json!({ "status": "ERROR", "errors": want }), "{path}");
        }
    }
    assert_eq!(app.free_slots(), 5, "a refused 276 takes no slot");
    let miscounted = sent.replace("SE*15*0001", "SE*12*0001");
    for path in [CHANGE_RAW_CS, STEDI_RAW_CS] {
        let (status, body) = post_raw(&app, path, Some(DEMO_KEY), &miscounted).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["claims"][0]["claimStatus"]["statusCategoryCode"], "F1");
        assert_eq!(
            body["warnings"],
            json!([{
                "code": "request::276::se01_recounted",
                "description": "SE01 does not match the number of segments in the transaction set. It was recounted.",
                "location": "Transaction set trailer",
                "segment": "SE",
                "segmentPosition": 15,
                "element": 1,
            }]),
            "{path}"
        );
    }
}
