//! OAuth client credentials as Change does it: the token endpoint over HTTP, bearer tokens on the
//! eligibility routes, and every way a token or a token request can be wrong.

use std::time::{SystemTime, UNIX_EPOCH};

use eligibility_gateway::config::OAuthClient;
use eligibility_gateway::config::hash_key;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// The signing key tests configure when they need to read or craft tokens.
const KEY: &str = "test-signing-key-0123456789abcdef0123";

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn craft(key: &str, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key.as_bytes()),
    )
    .unwrap()
}

async fn keyed_app(ttl: u64) -> TestApp {
    let secret = secret_file(&format!("{KEY}\n"));
    let key_file = secret.path();
    spawn_app(move |s| {
        s.oauth.signing_key_file = key_file;
        s.oauth.token_ttl_secs = ttl;
    })
    .await
}

/// The default gateway with one more OAuth client for the demo account.
async fn app_with_client(client_id: &str, secret: &str) -> TestApp {
    let client = OAuthClient {
        client_id: client_id.to_owned(),
        secret_hash: hash_key(secret),
    };
    spawn_app(move |s| {
        s.accounts
            .get_mut("demo")
            .unwrap()
            .oauth_clients
            .push(client);
    })
    .await
}

async fn bearer_call(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    app.raw_x12_with(path, Some(&format!("Bearer {token}")), &member_inquiry())
        .await
}

#[tokio::test]
async fn token_as_form_or_json_then_bearer_calls_get_200_on_both_paths() {
    let app = spawn_app(|_| {}).await;
    let form = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT.0),
            ("client_secret", DEMO_CLIENT.1),
        ])
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(form.headers()["cache-control"], "no-store");
    let form: Value = form.json().await.unwrap();
    let keys: Vec<&str> = form
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["access_token", "token_type", "expires_in"]);
    assert_eq!(form["token_type"], "bearer");
    assert_eq!(form["expires_in"], 3600);
    let json_res = app
        .post(TOKEN)
        .json(&json!({
            "client_id": DEMO_CLIENT.0,
            "client_secret": DEMO_CLIENT.1,
            "grant_type": "client_credentials",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_res.status(), StatusCode::OK);
    let json_body: Value = json_res.json().await.unwrap();
    for token in [&form["access_token"], &json_body["access_token"]] {
        let token = token.as_str().unwrap();
        for path in [RAW, RAW_BARE] {
            let (status, body) = bearer_call(&app, path, token).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            assert_eq!(body["subscriber"]["memberId"], "0000000001");
            assert_eq!(body["meta"]["applicationMode"], "sandbox");
        }
    }
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn tokens_carry_account_issuer_and_the_configured_lifetime() {
    let app = keyed_app(120).await;
    let token = app.demo_token().await;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_issuer(&["eligibility-gateway"]);
    let claims = jsonwebtoken::decode::<Value>(
        &token,
        &DecodingKey::from_secret(KEY.as_bytes()),
        &validation,
    )
    .expect("signed with the configured key")
    .claims;
    assert_eq!(claims["sub"], "demo");
    assert_eq!(claims["client_id"], DEMO_CLIENT.0);
    let (iat, exp) = (
        claims["iat"].as_u64().unwrap(),
        claims["exp"].as_u64().unwrap(),
    );
    assert_eq!(exp - iat, 120);
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT.0),
            ("client_secret", DEMO_CLIENT.1),
        ])
        .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 120);
}

#[tokio::test]
async fn an_expired_token_gets_401() {
    let app = keyed_app(3600).await;
    let expired = craft(
        KEY,
        &json!({ "iss": "eligibility-gateway", "sub": "demo", "iat": now() - 7200, "exp": now() - 3600 }),
    );
    let (status, body) = bearer_call(&app, RAW_BARE, &expired).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "UNAUTHORIZED");
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn forged_tokens_get_401() {
    let app = keyed_app(3600).await;
    let later = now() + 600;
    let good =
        |sub: &str| json!({ "iss": "eligibility-gateway", "sub": sub, "iat": now(), "exp": later });
    let genuine = app.demo_token().await;
    let mut tampered: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    tampered[1] = craft(KEY, &good("other"))
        .split('.')
        .nth(1)
        .unwrap()
        .to_owned();
    let unsigned = format!(
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
        craft(KEY, &good("demo")).split('.').nth(1).unwrap()
    );
    for (why, token) in [
        (
            "signed with another key",
            craft("another-key-another-key-another-key", &good("demo")),
        ),
        (
            "payload swapped under a valid signature",
            tampered.join("."),
        ),
        ("alg none", unsigned),
        (
            "another issuer",
            craft(
                KEY,
                &json!({ "iss": "evil", "sub": "demo", "iat": now(), "exp": later }),
            ),
        ),
        ("no such account", craft(KEY, &good("nobody"))),
        ("not a JWT", "sandbox-api-key".to_owned()),
    ] {
        let (status, body) = bearer_call(&app, RAW, &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(body["code"], "UNAUTHORIZED", "{why}");
        assert_eq!(body["message"], "The access token is not valid.", "{why}");
    }
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn any_instance_with_the_key_accepts_a_token_without_a_store() {
    let issuer = keyed_app(3600).await;
    let other = keyed_app(3600).await;
    let stranger = spawn_app(|_| {}).await; // a random key of its own
    let token = issuer.demo_token().await;
    assert_eq!(bearer_call(&other, RAW, &token).await.0, StatusCode::OK);
    assert_eq!(
        bearer_call(&stranger, RAW, &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bad_client_credentials_get_401_invalid_client() {
    let app = spawn_app(|_| {}).await;
    for (why, form) in [
        (
            "wrong secret",
            vec![("client_id", DEMO_CLIENT.0), ("client_secret", "wrong")],
        ),
        (
            "unknown client",
            vec![("client_id", "nobody"), ("client_secret", DEMO_CLIENT.1)],
        ),
        (
            "an API key is not a client secret",
            vec![("client_id", DEMO_CLIENT.0), ("client_secret", DEMO_KEY)],
        ),
        ("no secret", vec![("client_id", DEMO_CLIENT.0)]),
        ("no client", vec![]),
    ] {
        let mut form = form;
        form.push(("grant_type", "client_credentials"));
        let res = app.token_form(&form).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{why}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client", "{why}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{why}"
        );
        assert_eq!(
            body.as_object().unwrap().len(),
            2,
            "{why}: only error and error_description"
        );
    }
}

#[tokio::test]
async fn malformed_token_requests_get_400() {
    let app = spawn_app(|_| {}).await;
    let creds = [
        ("client_id", DEMO_CLIENT.0),
        ("client_secret", DEMO_CLIENT.1),
    ];
    let res = app.token_form(&creds).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "missing grant_type");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("grant_type")
    );

    let mut password = creds.to_vec();
    password.push(("grant_type", "password"));
    let res = app.token_form(&password).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    for (why, content_type, body) in [
        ("broken JSON", "application/json", r#"{"client_id": "#),
        ("not a string", "application/json", r#"{"grant_type": 1}"#),
        ("plain text", "text/plain", "grant_type=client_credentials"),
    ] {
        let res = app
            .post(TOKEN)
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{why}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["error"],
            "invalid_request",
            "{why}"
        );
    }
}

#[tokio::test]
async fn no_client_secret_or_token_reaches_the_logs() {
    let secret = format!("client-secret-{}", uuid::Uuid::new_v4().simple());
    let app = app_with_client("log-check-client", &secret).await;
    let res = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "log-check-client"),
            ("client_secret", &secret),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let token_id = request_id(&res);
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let wrong = app
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "log-check-client"),
            ("client_secret", &format!("{secret}-wrong")),
        ])
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let header = basic("log-check-client", &secret);
    let via_basic = app
        .post(TOKEN)
        .header("Authorization", &header)
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(via_basic.status(), StatusCode::OK);
    assert_not_logged(&request_id(&via_basic), &[&secret, &header]);
    let (status, _, call_id) = app
        .raw_x12_traced(&format!("Bearer {token}"), &member_inquiry())
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_not_logged(&token_id, &[&secret]);
    assert_not_logged(&call_id, &[&secret, &token]);
    let line = logs_text()
        .lines()
        .find(|l| l.contains(&token_id))
        .map(str::to_owned)
        .unwrap();
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(
        line["span"]["account"], "demo",
        "the token request names its account"
    );
}

#[tokio::test]
async fn an_unreadable_signing_key_file_stops_start_up_naming_the_key() {
    let mut settings = eligibility_gateway::config::Settings::defaults().unwrap();
    settings.server.port = 0;
    settings.oauth.signing_key_file = "/nonexistent/gateway-signing-key".into();
    let e = eligibility_gateway::app::App::build(&settings)
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("oauth.signing_key_file"), "{e}");
}

/// A token request with an `Authorization` header and a form body.
async fn token_basic(app: &TestApp, header: &str, form: &[(&str, &str)]) -> reqwest::Response {
    app.post(TOKEN)
        .header("Authorization", header)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// `Authorization: Basic` with base64 of `id:secret`, each form-encoded (RFC 6749 §2.3.1).
fn basic(id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let encode = |s: &str| serde_urlencoded::to_string([("k", s)]).unwrap()[2..].to_owned();
    let pair = format!("{}:{}", encode(id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[tokio::test]
async fn client_credentials_in_a_basic_header_get_a_token() {
    // A secret with the characters form encoding changes (`+`, `%`, `:`, space).
    let secret = "s3cret+with%odd: chars";
    let app = app_with_client("basic client", secret).await;
    for (why, with_id_in_body) in [("header only", false), ("same client_id in the body", true)] {
        let mut form = vec![("grant_type", "client_credentials")];
        if with_id_in_body {
            form.push(("client_id", "basic client"));
        }
        let res = token_basic(&app, &basic("basic client", secret), &form).await;
        assert_eq!(res.status(), StatusCode::OK, "{why}");
        let token: Value = res.json().await.unwrap();
        let token = token["access_token"].as_str().unwrap();
        assert_eq!(
            bearer_call(&app, RAW, token).await.0,
            StatusCode::OK,
            "{why}"
        );
    }
}

#[tokio::test]
async fn bad_basic_credentials_get_401_and_mixed_or_unreadable_ones_400() {
    let app = spawn_app(|_| {}).await;
    let grant = [("grant_type", "client_credentials")];
    let res = token_basic(&app, &basic(DEMO_CLIENT.0, "wrong"), &grant).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers()["www-authenticate"],
        "Basic realm=\"eligibility-gateway\"",
        "RFC 6749 §5.2: a 401 names the scheme"
    );
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let both = [
        ("grant_type", "client_credentials"),
        ("client_secret", DEMO_CLIENT.1),
    ];
    let other_id = [
        ("grant_type", "client_credentials"),
        ("client_id", "somebody-else"),
    ];
    for (why, header, form) in [
        (
            "secret in header and body",
            basic(DEMO_CLIENT.0, DEMO_CLIENT.1),
            &both[..],
        ),
        (
            "two different client ids",
            basic(DEMO_CLIENT.0, DEMO_CLIENT.1),
            &other_id[..],
        ),
        ("not base64", "Basic %%%".to_owned(), &grant[..]),
        ("no colon", format!("Basic {}", "c2FuZGJveA=="), &grant[..]),
    ] {
        let res = token_basic(&app, &header, form).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{why}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{why}");
        assert!(
            !body["error_description"]
                .as_str()
                .unwrap()
                .contains(DEMO_CLIENT.1),
            "{why}: the secret is never quoted"
        );
    }
}

/// As the README says: a body over `server.max_body_bytes` (1 MiB) is a 413 here too, not a 400.
#[tokio::test]
async fn a_token_request_over_the_body_limit_gets_413() {
    let app = spawn_app(|_| {}).await;
    let doc = crate::openapi::document(&app).await;
    let big = format!(
        "grant_type=client_credentials&client_id=sandbox-client&client_secret={}",
        "x".repeat(1024 * 1024)
    );
    let res = app
        .post(TOKEN)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "PAYLOAD_TOO_LARGE", "{body}");
    crate::openapi::check(&doc, "post", TOKEN, StatusCode::PAYLOAD_TOO_LARGE, &body);
}

/// `Authorization: Bearer` with nothing after it is an empty token, said as such.
#[tokio::test]
async fn an_empty_bearer_token_is_named_as_such() {
    let app = spawn_app(|_| {}).await;
    for header in ["Bearer", "Bearer ", "bearer   "] {
        let (status, body) = app
            .raw_x12_with(crate::helpers::RAW, Some(header), &member_inquiry())
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{header:?}");
        let m = body["message"].as_str().unwrap();
        assert!(m.contains("Bearer token is empty"), "{header:?}: {m}");
    }
}
