//! `sandbox.demo_account`: the embedded demo account's public credentials, on by default, off with
//! one setting, and a start-up warning while they are on beside a production account.

use eligibility_gateway::config::{Mode, Settings, hash_key};
use reqwest::StatusCode;

use crate::helpers::*;

fn add_clinic(s: &mut Settings, mode: Mode) {
    let mut account = s.accounts["demo"].clone();
    account.mode = mode;
    account.api_key_hashes = vec![hash_key("clinic-key-0123456789")];
    account.oauth_clients.clear();
    s.accounts.insert("clinic".to_owned(), account);
}

#[tokio::test]
async fn with_the_demo_account_off_its_key_and_client_are_refused() {
    let app = spawn_app(|s| {
        s.sandbox.demo_account = false;
        add_clinic(s, Mode::Sandbox);
    })
    .await;
    let x12 = member_inquiry();
    let (status, body) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let res = app.demo_token_response().await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let (status, body) = app
        .raw_x12_with(RAW, Some("clinic-key-0123456789"), &x12)
        .await;
    assert_eq!(status, StatusCode::OK, "other accounts still work: {body}");
}

#[tokio::test]
async fn the_demo_account_is_on_by_default() {
    let s = Settings::defaults().unwrap();
    assert!(s.sandbox.demo_account);
    let app = spawn_app(|_| {}).await;
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_demo_account_beside_a_production_account_is_warned_about() {
    let _app = spawn_app(|s| add_clinic(s, Mode::Production)).await;
    let warned = log_lines_with("demo_account = false")
        .iter()
        .any(|l| l["level"] == "WARN" && l["account"] == "demo");
    assert!(warned, "a start-up warning names the setting");
}
