//! Per-account concurrency with the memory backend: five in flight, the sixth refused at once,
//! slots back on every path; per-connector caps. Requests are held by a gated payer (it says
//! "arrived" and waits for "go"), so nothing here waits on a sleep or asserts a duration.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::Value;

use crate::gated::{Gated, assert_connector_busy, gated_key, route_to};
use crate::helpers::*;

/// Starts `n` requests of the demo account in the background.
pub fn send(app: &Arc<TestApp>, n: usize) -> Vec<tokio::task::JoinHandle<(StatusCode, Value)>> {
    send_as(app, DEMO_KEY, n)
}

/// Starts `n` requests of the account with API key `key` in the background.
pub fn send_as(
    app: &Arc<TestApp>,
    key: &'static str,
    n: usize,
) -> Vec<tokio::task::JoinHandle<(StatusCode, Value)>> {
    (0..n)
        .map(|_| {
            let app = Arc::clone(app);
            tokio::spawn(async move { app.raw_x12_with(RAW, Some(key), &member_inquiry()).await })
        })
        .collect()
}

/// An app whose demo account is routed to a fresh gated payer.
pub async fn gated_app(
    tweak: impl FnOnce(&mut eligibility_gateway::config::Settings),
) -> (Arc<Gated>, Arc<TestApp>) {
    let (gated, url) = Gated::start().await;
    let key = gated_key();
    let app = spawn_app(|s| {
        route_to(s, "gated", &url, &key);
        tweak(s);
    })
    .await;
    (gated, Arc::new(app))
}

#[tokio::test]
async fn sixth_concurrent_request_gets_429_and_the_slot_comes_back() {
    let (gated, app) = gated_app(|_| {}).await;
    let five = send(&app, 5);
    gated.arrived(5).await;
    assert_eq!(app.free_slots(), 0);
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert!(body["message"].as_str().unwrap().contains("throttled"));
    gated.go(5);
    for h in five {
        assert_eq!(
            h.await.unwrap().0,
            StatusCode::OK,
            "the five in flight all complete"
        );
    }
    assert_eq!(app.free_slots(), 5);
    gated.go(1);
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::OK, "a slot is free again");
}

#[tokio::test]
async fn slots_free_again_after_clients_drop_five_requests_mid_flight() {
    let (gated, app) = gated_app(|_| {}).await;
    let five = send(&app, 5);
    gated.arrived(5).await;
    for h in &five {
        h.abort(); // drops the client connection mid-request
    }
    app.wait_for_free_slots(5).await;
    // Taken again: a new request is admitted (not refused) and holds a slot.
    let sixth = send(&app, 1);
    gated.arrived(1).await;
    assert_eq!(app.free_slots(), 4);
    sixth.iter().for_each(tokio::task::JoinHandle::abort);
    app.wait_for_free_slots(5).await;
}

#[tokio::test]
async fn payer_timeout_gets_504_and_releases_the_slot() {
    // The gate never opens: only the payer deadline can answer.
    let (_gated, app) = gated_app(|s| s.payer.timeout_ms = 200).await;
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(body["code"], "GATEWAY_TIMEOUT");
    assert!(body["message"].as_str().unwrap().contains("200 ms"));
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn an_unreadable_270_never_takes_a_slot() {
    let (gated, app) = gated_app(|_| {}).await;
    let five = send(&app, 5);
    gated.arrived(5).await;
    let (status, _) = app.raw_x12("garbage").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "parsed before the limiter: 400, not 429"
    );
    five.iter().for_each(tokio::task::JoinHandle::abort);
    app.wait_for_free_slots(5).await;
}

#[tokio::test]
async fn per_account_limit_is_configurable() {
    let (gated, app) = gated_app(|s| {
        s.accounts.get_mut("demo").unwrap().per_account = Some(2);
    })
    .await;
    let two = send(&app, 2);
    gated.arrived(2).await;
    assert_eq!(
        app.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(2);
    for h in two {
        assert_eq!(h.await.unwrap().0, StatusCode::OK);
    }
    assert_eq!(app.free_slots(), 2);
}

#[tokio::test]
async fn a_capped_connector_answers_503_naming_it_and_frees_the_account_slot() {
    let (gated, app) = gated_app(|s| {
        s.payers.connectors.get_mut("gated").unwrap().max_in_flight = Some(2);
    })
    .await;
    let two = send(&app, 2);
    gated.arrived(2).await;
    assert_eq!(app.state.limiter.available_to("gated"), 0);
    assert_connector_busy(&app, "gated").await;
    assert_eq!(
        app.free_slots(),
        3,
        "the refused request gave its account slot back"
    );
    gated.go(2);
    for h in two {
        assert_eq!(h.await.unwrap().0, StatusCode::OK);
    }
    assert_eq!(app.state.limiter.available_to("gated"), 2);
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn the_sandbox_cap_holds_too() {
    // The sandbox cannot be gated; its delay only holds the request, the state is watched.
    let app = Arc::new(
        spawn_app(|s| {
            s.sandbox.delay_ms = 60_000;
            s.sandbox.max_in_flight = Some(1);
        })
        .await,
    );
    let first = send(&app, 1);
    app.wait_for_free_slots(4).await;
    assert_eq!(app.state.limiter.available_to("sandbox"), 0);
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["message"].as_str().unwrap().contains("sandbox"),
        "{body}"
    );
    first.iter().for_each(tokio::task::JoinHandle::abort);
    app.wait_for_free_slots(5).await;
    assert_eq!(app.state.limiter.available_to("sandbox"), 1);
}
