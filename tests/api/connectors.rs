//! The `http` connector over real loopback servers: Stedi (API key) and Change (OAuth token,
//! cached, refreshed once on 401), and routing by payer ID (strings: `00006` is not `6`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use reqwest::StatusCode;
use serde_json::json;

use crate::fakes::*;
use crate::helpers::*;

#[tokio::test]
async fn stedi_upstream_gets_its_key_and_the_270_and_its_271_is_mapped() {
    let key = unique("stedi-key");
    let (fake, url) = stedi_fake(&key, SUBSCRIBER_271).await;
    let secret = secret_file(&format!("{key}\n"));
    let key_file = secret.path();
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("stedi-upstream".into(), stedi(&url, &key_file));
        s.payers
            .routes
            .insert("87726".into(), "stedi-upstream".into());
    })
    .await;
    let x12 = inquiry("87726", "0000000001", "DOEONE", "JOHNONE");
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    assert_eq!(fake.refused.load(Ordering::SeqCst), 0, "the key was right");
    let sent = fake.bodies.lock().unwrap()[0].clone();
    assert!(
        sent.starts_with("ISA*") && sent.contains("PI*87726"),
        "the 270 went as `x12`"
    );
    assert_eq!(
        body["x12"], SUBSCRIBER_271,
        "the upstream's 271, as received"
    );
    assert_eq!(
        body["subscriber"]["memberId"], "123456789",
        "mapped by our own mapper"
    );
    assert_eq!(body["meta"]["applicationMode"], "production");
    assert_eq!(app.free_slots(), 5);
    assert_not_logged(&id, &[&key]);
}

#[tokio::test]
async fn a_payer_rejection_through_an_upstream_is_200_with_errors() {
    let key = unique("stedi-key");
    let (_fake, url) = stedi_fake(&key, REJECTED_271).await;
    let secret = secret_file(&key);
    let key_file = secret.path();
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("up".into(), stedi(&url, &key_file));
        s.payers.default = "up".into();
    })
    .await;
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert!(!errors.is_empty(), "the AAA is in errors[]: {body}");
    assert_eq!(errors[0]["field"], "AAA");
    assert_eq!(app.free_slots(), 5);
}

/// A gateway routing payer 00006 to a Change-like fake that accepts `client`.
pub async fn change_app(client: (&str, &str)) -> (TestApp, Arc<ChangeFake>, String) {
    change_app_with_secret(client, client.1).await
}

/// The same, with the gateway holding `our_secret` (which the fake may refuse).
pub async fn change_app_with_secret(
    client: (&str, &str),
    our_secret: &str,
) -> (TestApp, Arc<ChangeFake>, String) {
    let (fake, url, token_url) = change_fake(client).await;
    let secret = secret_file(our_secret);
    let secret_path = secret.path();
    let client_id = client.0.to_owned();
    let app = spawn_app(move |s| {
        production(s);
        s.payers.connectors.insert(
            "optum".into(),
            connector(json!({
                "kind": "http", "flavor": "change", "url": url, "token_url": token_url,
                "client_id": client_id, "client_secret_file": secret_path,
            })),
        );
        s.payers.routes.insert("00006".into(), "optum".into());
    })
    .await;
    let x12 = inquiry("00006", "0000000001", "DOEONE", "JOHNONE");
    (app, fake, x12)
}

#[tokio::test]
async fn change_upstream_token_is_fetched_once_for_many_requests() {
    let secret = unique("change-secret");
    let (app, fake, x12) = change_app(("gateway-client", &secret)).await;
    let app = Arc::new(app);
    // Three at once (they wait for one fetch), then three more from the cache.
    let concurrent: Vec<_> = (0..3)
        .map(|_| {
            let (app, x12) = (Arc::clone(&app), x12.clone());
            tokio::spawn(async move { app.raw_x12_traced(DEMO_KEY, &x12).await })
        })
        .collect();
    let mut ids = Vec::new();
    for h in concurrent {
        let (status, body, id) = h.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        ids.push(id);
    }
    for _ in 0..3 {
        let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["subscriber"]["memberId"], "123456789");
        ids.push(id);
    }
    assert_eq!(
        fake.token_calls.load(Ordering::SeqCst),
        1,
        "one token for six calls"
    );
    assert_eq!(fake.calls.load(Ordering::SeqCst), 6);
    assert_eq!(app.free_slots(), 5);
    let token = fake.issued.lock().unwrap()[0].clone();
    for id in &ids {
        assert_not_logged(id, &[&secret, &token]);
    }
}

#[tokio::test]
async fn change_upstream_401_gets_one_fresh_token_and_one_retry() {
    let secret = unique("change-secret");
    let (app, fake, x12) = change_app(("gateway-client", &secret)).await;
    assert_eq!(app.raw_x12(&x12).await.0, StatusCode::OK);
    fake.revoke_next.store(1, Ordering::SeqCst);
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12).await;
    assert_eq!(status, StatusCode::OK, "retried with a fresh token: {body}");
    assert_eq!(fake.token_calls.load(Ordering::SeqCst), 2, "one refresh");
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        3,
        "first call, refused call, retry"
    );
    assert_eq!(app.raw_x12(&x12).await.0, StatusCode::OK);
    assert_eq!(
        fake.token_calls.load(Ordering::SeqCst),
        2,
        "the fresh token is cached"
    );
    assert_eq!(app.free_slots(), 5);
    let tokens = fake.issued.lock().unwrap().clone();
    assert_not_logged(&id, &[&secret, &tokens[0], &tokens[1]]);
}

#[tokio::test]
async fn change_upstream_still_refusing_after_a_refresh_gets_502_without_a_loop() {
    let secret = unique("change-secret");
    let (app, fake, x12) = change_app(("gateway-client", &secret)).await;
    fake.refuse_always.store(true, Ordering::SeqCst);
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "BAD_GATEWAY");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("optum (127.0.0.1:") && message.contains("401"),
        "{message}"
    );
    assert_eq!(
        fake.token_calls.load(Ordering::SeqCst),
        2,
        "refreshed once, not more"
    );
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        2,
        "retried once, not more"
    );
    assert_eq!(app.free_slots(), 5);
    assert_not_logged(&id, &[&secret]);
}

#[tokio::test]
async fn change_token_endpoint_refusing_our_credentials_gets_502_naming_it() {
    let secret = unique("change-secret");
    let (app, fake, x12) =
        change_app_with_secret(("gateway-client", "another-secret"), &secret).await;
    let (status, body, id) = app.raw_x12_traced(DEMO_KEY, &x12).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("token endpoint") && message.contains("401"),
        "{message}"
    );
    assert!(!message.contains(&secret));
    assert_eq!(fake.token_refused.load(Ordering::SeqCst), 1);
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        0,
        "no call without a token"
    );
    assert_eq!(app.free_slots(), 5);
    assert_not_logged(&id, &[&secret]);
}

#[tokio::test]
async fn an_unknown_payer_without_a_default_route_gets_400_naming_it() {
    let app = spawn_app(production).await;
    let (status, body) = app
        .raw_x12(&inquiry("12345", "0000000001", "DOEONE", "JOHNONE"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["status"], "ERROR");
    assert_eq!(body["tradingPartnerServiceId"], "12345");
    let e = &body["errors"][0];
    assert_eq!(e["code"], "79");
    assert_eq!(
        e["description"],
        "Payer 12345 is not configured on this gateway."
    );
    assert_eq!(e["followupAction"], "Please Correct and Resubmit");
    assert_eq!(e["location"], "Loop 2100A");
    assert_eq!(app.free_slots(), 5, "routing comes before the limiter");
    // A sandbox account is never routed: the same 270 gets the sandbox's answer.
    let sandbox = spawn_app(|_| {}).await;
    let x12 = inquiry("12345", "0000000001", "DOEONE", "JOHNONE");
    assert_eq!(sandbox.raw_x12(&x12).await.0, StatusCode::OK);
}

#[tokio::test]
async fn payer_ids_with_leading_zeros_route_to_their_own_connector() {
    let (key_a, key_b) = (unique("key-a"), unique("key-b"));
    let (a, url_a) = stedi_fake(&key_a, SUBSCRIBER_271).await;
    let (b, url_b) = stedi_fake(&key_b, SUBSCRIBER_271).await;
    let (guard_a, guard_b) = (secret_file(&key_a), secret_file(&key_b));
    let (file_a, file_b) = (guard_a.path(), guard_b.path());
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("a".into(), stedi(&url_a, &file_a));
        s.payers
            .connectors
            .insert("b".into(), stedi(&url_b, &file_b));
        s.payers.routes.insert("00006".into(), "a".into());
        s.payers.routes.insert("06".into(), "b".into());
        s.payers.routes.insert("SX123".into(), "sandbox".into());
    })
    .await;
    let send = |payer: &str| {
        let x12 = inquiry(payer, "0000000001", "DOEONE", "JOHNONE");
        let app = &app;
        async move { app.raw_x12(&x12).await }
    };
    assert_eq!(send("00006").await.0, StatusCode::OK);
    assert_eq!(
        (
            a.calls.load(Ordering::SeqCst),
            b.calls.load(Ordering::SeqCst)
        ),
        (1, 0)
    );
    assert_eq!(send("06").await.0, StatusCode::OK);
    assert_eq!(
        (
            a.calls.load(Ordering::SeqCst),
            b.calls.load(Ordering::SeqCst)
        ),
        (1, 1)
    );
    assert_eq!(
        send("000006").await.0,
        StatusCode::BAD_REQUEST,
        "not 00006, not 06"
    );
    let (status, body) = send("sx123").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "case-insensitive route to the sandbox: {body}"
    );
    assert_eq!(body["subscriber"]["memberId"], "0000000001");
}

#[tokio::test]
async fn the_default_route_takes_payers_without_a_route() {
    let app = spawn_app(|s| {
        production(s);
        s.payers.default = "sandbox".into();
    })
    .await;
    let (status, body) = app
        .raw_x12(&inquiry("99999", "0000000001", "DOEONE", "JOHNONE"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["meta"]["applicationMode"], "production");
}

#[tokio::test]
async fn a_missing_connector_secret_stops_start_up_naming_its_key() {
    let mut settings = eligibility_gateway::config::Settings::defaults().unwrap();
    settings.server.port = 0;
    settings.payers.connectors.insert(
        "up".into(),
        stedi("https://up.example/raw-x12", "/nonexistent/stedi-key"),
    );
    let e = eligibility_gateway::app::App::build(&settings)
        .await
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(e.contains("payers.connectors.up.api_key_file"), "{e}");
}

#[test]
fn the_readme_connector_examples_load() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Payer routes and connectors")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("the README section");
    let blocks: Vec<&str> = section
        .split("```toml")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert_eq!(blocks.len(), 3, "one example per connector kind");
    for block in blocks {
        let path = std::env::temp_dir().join(format!("eg-readme-{}.toml", uuid::Uuid::new_v4()));
        std::fs::write(&path, block).unwrap();
        let loaded = eligibility_gateway::config::Settings::load_with(
            Some(&path),
            Some(std::collections::HashMap::new()),
        );
        std::fs::remove_file(&path).unwrap();
        let settings = loaded.unwrap_or_else(|e| panic!("{e}\n{block}"));
        assert_eq!(settings.payers.connectors.len(), 1, "{block}");
    }
}
