//! `/openapi.json` against real answers: the JSON of every 271 fixture (sent through a loopback
//! upstream and the gateway), and each error shape the README lists, validated with a JSON
//! Schema validator against the schema the document declares for that path and status. Object
//! schemas are closed for the check, so an undocumented key fails too. The JSON routes' requests
//! are checked against their declared request body too.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fakes::{production, stedi, stedi_fake, unique};
use crate::fixtures271::ALL;
use crate::helpers::{
    DEMO_CLIENT, DEMO_KEY, RAW, RAW_BARE, TOKEN, TestApp, exchange, inquiry, member_inquiry,
    secret_file, spawn_app,
};

/// The served document.
pub async fn document(app: &TestApp) -> Value {
    let (status, doc) = app.get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

/// Every object schema with properties, closed to other keys.
fn closed(mut components: Value) -> Value {
    if let Some(schemas) = components["schemas"].as_object_mut() {
        for s in schemas.values_mut() {
            if s.get("properties").is_some() && s.get("additionalProperties").is_none() {
                s["additionalProperties"] = Value::Bool(false);
            }
        }
    }
    components
}

/// What is wrong with `body` for the schema `doc` declares for `method path` answering `status`.
fn problems(
    doc: &Value,
    method: &str,
    path: &str,
    status: StatusCode,
    body: &Value,
) -> Vec<String> {
    let code = status.as_u16().to_string();
    let schema =
        doc["paths"][path][method]["responses"][&code]["content"]["application/json"]["schema"]
            .clone();
    assert!(
        schema.is_object(),
        "{method} {path} declares no JSON schema for {code}"
    );
    against(doc, &schema, body)
}

/// What is wrong with `body` for `schema`: resolving references in `doc`'s components as served
/// (what a strict client checks: `oneOf` means exactly one), and again with every object schema
/// closed (so an undocumented key fails too).
fn against(doc: &Value, schema: &Value, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (how, components) in [
        ("as served", doc["components"].clone()),
        ("closed", closed(doc["components"].clone())),
    ] {
        let mut schema = schema.clone();
        schema["components"] = components;
        let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
        out.extend(
            validator
                .iter_errors(body)
                .map(|e| format!("{how}: {} at {}", e, e.instance_path())),
        );
    }
    out
}

/// As [`check`] against the served document, with each (path, status)'s validators compiled
/// once: the helpers check every raw-x12 answer of the suite, load tests included.
pub fn check_served(path: &str, status: StatusCode, body: &Value) {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Validators = Arc<Vec<jsonschema::Validator>>;
    static CACHE: OnceLock<Mutex<HashMap<(String, u16), Validators>>> = OnceLock::new();
    let doc = crate::helpers::served_document();
    if !doc["paths"][path]["post"].is_object() {
        return; // a path the gateway does not serve (the 404 tests)
    }
    let key = (path.to_owned(), status.as_u16());
    let validators = {
        let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
        Arc::clone(cache.entry(key).or_insert_with(|| {
            let code = status.as_u16().to_string();
            let schema = doc["paths"][path]["post"]["responses"][&code]["content"]
                ["application/json"]["schema"]
                .clone();
            assert!(
                schema.is_object(),
                "POST {path} declares no JSON schema for {code}"
            );
            let compiled = [doc["components"].clone(), closed(doc["components"].clone())]
                .into_iter()
                .map(|components| {
                    let mut s = schema.clone();
                    s["components"] = components;
                    jsonschema::validator_for(&s).expect("a valid JSON Schema")
                })
                .collect();
            Arc::new(compiled)
        }))
    };
    let errors: Vec<String> = validators
        .iter()
        .flat_map(|v| {
            v.iter_errors(body)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        errors.is_empty(),
        "POST {path} {status}: {errors:#?}\n{body:#}"
    );
}

/// Asserts `body`, answered with `status` to `method path`, is what the document declares.
pub fn check(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let errors = problems(doc, method, path, status, body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:#?}\n{body:#}"
    );
}

#[tokio::test]
async fn the_check_can_fail() {
    let app = spawn_app(|_| {}).await;
    let doc = document(&app).await;
    let odd = [
        (
            StatusCode::UNAUTHORIZED,
            json!({ "message": "m", "code": "c", "extra": 1 }),
        ),
        (StatusCode::UNAUTHORIZED, json!({ "message": "m" })),
        (StatusCode::OK, json!({ "x12": "ISA" })),
        (
            StatusCode::OK,
            json!({ "meta": {}, "errors": [], "x12": "ISA", "subscriber": { "firstName": 7 } }),
        ),
    ];
    for (status, body) in odd {
        assert!(
            !problems(&doc, "post", RAW, status, &body).is_empty(),
            "{body}"
        );
    }
    check(
        &doc,
        "post",
        RAW,
        StatusCode::OK,
        &json!({ "meta": {}, "errors": [], "x12": "ISA" }),
    );
}

async fn post_raw(
    app: &TestApp,
    path: &str,
    auth: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    post_body(app, path, auth, &body.to_string()).await
}

#[tokio::test]
async fn every_271_fixture_answers_as_the_document_says() {
    let key = unique("openapi-key");
    let key_file = secret_file(&key);
    let mut ok = 0;
    let mut doc = Value::Null;
    for f in ALL {
        let (_fake, url) = stedi_fake(&key, f.x12).await;
        let path = key_file.path();
        let app = spawn_app(move |s| {
            production(s);
            s.payers.connectors.insert("up".into(), stedi(&url, &path));
            s.payers.default = "up".into();
        })
        .await;
        if doc.is_null() {
            doc = document(&app).await;
        }
        let (status, body) = post_raw(
            &app,
            RAW,
            Some(DEMO_KEY),
            json!({ "x12": member_inquiry() }),
        )
        .await;
        assert!(
            status == StatusCode::OK || status == StatusCode::BAD_GATEWAY,
            "{}: {status}",
            f.name
        );
        ok += usize::from(status == StatusCode::OK);
        check(&doc, "post", RAW, status, &body);
    }
    assert!(ok >= ALL.len() - 1, "{ok} of {} fixtures mapped", ALL.len());
}

#[tokio::test]
async fn every_error_shape_answers_as_the_document_says() {
    let app = spawn_app(|s| s.auth.failures_per_minute = 2).await;
    let doc = document(&app).await;
    let x12 = member_inquiry();
    let cases = [
        (RAW, Some(DEMO_KEY), json!({ "x12": x12 }), StatusCode::OK),
        (
            RAW_BARE,
            Some(DEMO_KEY),
            json!({ "x12": x12 }),
            StatusCode::OK,
        ),
        (
            RAW,
            Some(DEMO_KEY),
            json!({ "x12": x12.replace("~DMG*", "~dmg*") }),
            StatusCode::BAD_REQUEST,
        ),
        (
            RAW,
            Some(DEMO_KEY),
            json!({ "x12": SUBSCRIBER_BAD }),
            StatusCode::BAD_REQUEST,
        ),
        (
            RAW,
            Some(DEMO_KEY),
            json!({ "nope": 1 }),
            StatusCode::BAD_REQUEST,
        ),
        (
            RAW,
            Some(DEMO_KEY),
            json!({ "x12": inquiry("000002", "0000000001", "DOEONE", "JOHNONE") }),
            StatusCode::BAD_GATEWAY,
        ),
        (RAW, None, json!({ "x12": x12 }), StatusCode::UNAUTHORIZED),
        (
            RAW,
            Some("wrong-key"),
            json!({ "x12": x12 }),
            StatusCode::UNAUTHORIZED,
        ),
        (
            RAW,
            Some("wrong-key"),
            json!({ "x12": x12 }),
            StatusCode::TOO_MANY_REQUESTS,
        ),
    ];
    for (path, auth, body, want) in cases {
        let (status, answer) = post_raw(&app, path, auth, body).await;
        assert_eq!(status, want, "{answer}");
        check(&doc, "post", path, status, &answer);
    }

    // Token endpoint: a token, a malformed request, a wrong secret.
    let app = spawn_app(|_| {}).await;
    for (form, want) in [
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT.0),
                ("client_secret", DEMO_CLIENT.1),
            ],
            StatusCode::OK,
        ),
        (vec![("client_id", DEMO_CLIENT.0)], StatusCode::BAD_REQUEST),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", DEMO_CLIENT.0),
                ("client_secret", "no"),
            ],
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let res = app.token_form(&form).await;
        let status = res.status();
        assert_eq!(status, want);
        check(&doc, "post", TOKEN, status, &res.json().await.unwrap());
    }

    // Unrouted payer (production account, no default route), payer timeout, body limit.
    let unrouted = spawn_app(production).await;
    let (status, answer) = post_raw(&unrouted, RAW, Some(DEMO_KEY), json!({ "x12": x12 })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    check(&doc, "post", RAW, status, &answer);
    let slow = spawn_app(|s| {
        s.sandbox.delay_ms = 5_000;
        s.payer.timeout_ms = 50;
    })
    .await;
    let (status, answer) = post_raw(&slow, RAW, Some(DEMO_KEY), json!({ "x12": x12 })).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    check(&doc, "post", RAW, status, &answer);
    let res = slow
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .header("x-padding", "p".repeat(40 * 1024))
        .json(&json!({ "x12": x12 }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status.as_u16(), 431);
    check(&doc, "post", RAW, status, &res.json().await.unwrap());
    let small = spawn_app(|s| s.server.max_body_bytes = 64).await;
    let (status, answer) = post_raw(&small, RAW, Some(DEMO_KEY), json!({ "x12": x12 })).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    check(&doc, "post", RAW, status, &answer);

    // Upstream unreachable (a port nobody listens on) and an upstream failing with 5xx.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let key_file = secret_file("k");
    let path = key_file.path();
    let down = spawn_app(move |s| {
        production(s);
        let url = format!("http://127.0.0.1:{closed_port}/change{RAW_BARE}");
        s.payers.connectors.insert("up".into(), stedi(&url, &path));
        s.payers.default = "up".into();
    })
    .await;
    let (status, answer) = post_raw(&down, RAW, Some(DEMO_KEY), json!({ "x12": x12 })).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    check(&doc, "post", RAW, status, &answer);

    // A stalled body: 408.
    let stalled = spawn_app(|s| s.server.body_timeout_ms = 200).await;
    let head = format!(
        "POST {RAW} HTTP/1.1\r\nHost: a\r\nAuthorization: {DEMO_KEY}\r\nContent-Length: 99\r\n\r\n{{"
    );
    let answer = exchange(&stalled, head.as_bytes()).await;
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    check(&doc, "post", RAW, StatusCode::REQUEST_TIMEOUT, &body);

    // Probes and the health check.
    for (path, want) in [
        ("/livez", StatusCode::OK),
        ("/readyz", StatusCode::OK),
        (
            "/change/medicalnetwork/eligibility/v3/healthcheck",
            StatusCode::OK,
        ),
        ("/medicalnetwork/eligibility/v3/healthcheck", StatusCode::OK),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, want);
        check(&doc, "get", path, status, &body);
    }
    app.state
        .readiness
        .set(eligibility_gateway::http::probes::NotReady::Draining, true);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    check(&doc, "get", "/readyz", status, &body);
}

/// A 270 whose envelope cannot be read at all.
const SUBSCRIBER_BAD: &str = "ISA*00*short~";

use crate::json_endpoint::{CHANGE as JSON_CHANGE, STEDI as JSON_STEDI, bare_minimum};

/// What is wrong with `body` for the request body `doc` declares for `POST path`.
fn request_problems(doc: &Value, path: &str, body: &Value) -> Vec<String> {
    let schema =
        doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"].clone();
    assert!(
        schema.is_object(),
        "POST {path} declares no JSON request body"
    );
    against(doc, &schema, body)
}

async fn post_body(
    app: &TestApp,
    path: &str,
    auth: Option<&str>,
    body: &str,
) -> (StatusCode, Value) {
    let mut req = app
        .post(path)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn json_routes_answer_as_the_document_says() {
    let app = spawn_app(|_| {}).await;
    let doc = document(&app).await;
    for path in [JSON_CHANGE, "/medicalnetwork/eligibility/v3/", JSON_STEDI] {
        assert!(doc["paths"][path]["post"].is_object(), "{path} documented");
        let errors = request_problems(&doc, path, &bare_minimum());
        assert!(errors.is_empty(), "{path}: {errors:#?}");
    }
    // The request schema can fail: a number where a string belongs, an object for an array.
    for odd in [
        json!({"controlNumber": 123_456_789}),
        json!({"subscriber": {"memberId": 7}}),
        json!({"encounter": {"serviceTypeCodes": "30"}}),
        json!({"dependents": {"firstName": "x"}}),
    ] {
        assert!(
            !request_problems(&doc, JSON_STEDI, &odd).is_empty(),
            "{odd}"
        );
    }
    // `null` means absent, for the schema as for the gateway.
    let mut with_nulls = bare_minimum();
    with_nulls["dependents"] = Value::Null;
    with_nulls["encounter"]["procedureCode"] = Value::Null;
    with_nulls["provider"]["taxId"] = Value::Null;
    let errors = request_problems(&doc, JSON_STEDI, &with_nulls);
    assert!(errors.is_empty(), "{errors:#?}");
    let (status, answer) = post_raw(&app, JSON_STEDI, Some(DEMO_KEY), with_nulls).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    let mut long_control = bare_minimum();
    long_control["controlNumber"] = json!("ELG1732457000123abcdefghij");
    let mut dependent_id = bare_minimum();
    dependent_id["dependents"] = json!([{"firstName": "janeOne", "lastName": "doeOne",
        "dateOfBirth": "20150421", "gender": "F", "individualRelationshipCode": "19",
        "memberId": "DEPMEMBER77"}]);
    let mut invalid = bare_minimum();
    invalid
        .as_object_mut()
        .unwrap()
        .remove("tradingPartnerServiceId");
    invalid["provider"]["npi"] = json!("12345");
    let ok = StatusCode::OK;
    let bad = StatusCode::BAD_REQUEST;
    let cases: Vec<(&str, Option<&str>, String, StatusCode, &str)> = vec![
        (
            JSON_CHANGE,
            Some(DEMO_KEY),
            bare_minimum().to_string(),
            ok,
            "x12",
        ),
        (
            "/medicalnetwork/eligibility/v3/",
            Some(DEMO_KEY),
            bare_minimum().to_string(),
            ok,
            "x12",
        ),
        (
            JSON_STEDI,
            Some(DEMO_KEY),
            bare_minimum().to_string(),
            ok,
            "x12",
        ),
        (
            JSON_STEDI,
            Some(DEMO_KEY),
            long_control.to_string(),
            ok,
            "warnings",
        ),
        (
            JSON_CHANGE,
            Some(DEMO_KEY),
            dependent_id.to_string(),
            ok,
            "warnings",
        ),
        (
            JSON_CHANGE,
            Some(DEMO_KEY),
            invalid.to_string(),
            ok,
            "errors",
        ),
        (
            JSON_CHANGE,
            Some(DEMO_KEY),
            long_control.to_string(),
            ok,
            "errors",
        ),
        (
            JSON_STEDI,
            Some(DEMO_KEY),
            invalid.to_string(),
            bad,
            "fieldList",
        ),
        (JSON_CHANGE, Some(DEMO_KEY), "{".into(), bad, "message"),
        (JSON_STEDI, Some(DEMO_KEY), "[1]".into(), bad, "message"),
        (
            JSON_CHANGE,
            None,
            bare_minimum().to_string(),
            StatusCode::UNAUTHORIZED,
            "message",
        ),
        (
            JSON_STEDI,
            Some("wrong-key"),
            bare_minimum().to_string(),
            StatusCode::UNAUTHORIZED,
            "message",
        ),
    ];
    for (path, auth, body, want, key) in cases {
        let (status, answer) = post_body(&app, path, auth, &body).await;
        assert_eq!(status, want, "{path} {body}: {answer}");
        assert!(answer.get(key).is_some(), "{path}: {key} in {answer}");
        check(&doc, "post", path, status, &answer);
    }
    // Change's 200 carries either shape; each fails the other's check alone.
    let change_errors = json!({"errors": [{"field": "provider.npi", "description": "d"}]});
    check(&doc, "post", JSON_CHANGE, ok, &change_errors);
    assert!(!problems(&doc, "post", JSON_STEDI, ok, &change_errors).is_empty());
    let stedi_errors = json!({"message": "m", "code": "INVALID_REQUEST",
        "fieldList": [{"path": "/provider/npi", "message": "m"}]});
    check(&doc, "post", JSON_STEDI, bad, &stedi_errors);
    assert!(!problems(&doc, "post", JSON_STEDI, bad, &json!({"fieldList": []})).is_empty());
}

#[tokio::test]
async fn the_limiters_503s_on_the_json_routes_answer_as_the_document_says() {
    use crate::gated::{Gated, gated_key, route_to};
    use crate::redis_server::RedisServer;
    use eligibility_gateway::config::{LimitBackend, OnBackendError};

    // A connector at its `max_in_flight`.
    let (gated, url) = Gated::start().await;
    let key = gated_key();
    let capped = spawn_app(|s| {
        route_to(s, "gated", &url, &key);
        s.payers.connectors.get_mut("gated").unwrap().max_in_flight = Some(1);
    })
    .await;
    let doc = document(&capped).await;
    let body = bare_minimum().to_string();
    let held = {
        let (base, body) = (capped.base.clone(), body.clone());
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}{JSON_STEDI}"))
                .header("Authorization", DEMO_KEY)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        })
    };
    gated.arrived(1).await;
    for path in [JSON_CHANGE, JSON_STEDI] {
        let (status, answer) = post_body(&capped, path, Some(DEMO_KEY), &body).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert_eq!(answer["code"], "SERVICE_UNAVAILABLE");
        check(&doc, "post", path, status, &answer);
    }
    gated.go(1);
    assert_eq!(held.await.unwrap(), StatusCode::OK);

    // The shared limiter's Redis unreachable with `on_backend_error = "refuse"`.
    let mut redis = RedisServer::start().await;
    let url = redis.url();
    let refusing = spawn_app(move |s| {
        s.limits.backend = LimitBackend::Redis;
        s.limits.redis_url = url;
        s.limits.backend_timeout_ms = 600;
        s.limits.on_backend_error = OnBackendError::Refuse;
    })
    .await;
    redis.stop();
    for path in [JSON_CHANGE, JSON_STEDI] {
        let (status, answer) = post_body(&refusing, path, Some(DEMO_KEY), &body).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {answer}");
        assert_eq!(answer["code"], "SERVICE_UNAVAILABLE");
        check(&doc, "post", path, status, &answer);
    }
}

/// Each request schema's example is a request the gateway answers with a 200, on every path
/// that declares it, and the answer is what the document says.
#[tokio::test]
async fn every_example_in_the_document_is_answered_with_a_200() {
    let app = spawn_app(|_| {}).await;
    let doc = document(&app).await;
    let mut sent = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(content) = item["post"]["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media, c) in content {
            let name = c["schema"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap();
            let example = &doc["components"]["schemas"][name]["examples"][0];
            assert!(example.is_object(), "{name} has an example");
            let errors = against(&doc, &c["schema"], example);
            assert!(errors.is_empty(), "{name}: {errors:#?}");
            let req = app.post(path);
            let req = if media == "application/json" {
                req.json(example)
            } else {
                req.form(example)
            };
            let req = if path == TOKEN {
                req
            } else {
                req.header("Authorization", DEMO_KEY)
            };
            let res = req.send().await.unwrap();
            let status = res.status();
            let answer: Value = res.json().await.unwrap();
            assert_eq!(status, StatusCode::OK, "{path} {media}: {answer}");
            assert!(
                answer.get("errors").is_none_or(|e| e == &json!([])),
                "{path}: {answer}"
            );
            check(&doc, "post", path, status, &answer);
            sent += 1;
        }
    }
    assert!(sent >= 7, "raw-x12 ×2, JSON ×3, token ×2: {sent}");
}
