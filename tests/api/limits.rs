//! Per-account concurrency: five in flight, the sixth refused at once, slots back on every path.

use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn sixth_concurrent_request_gets_429_and_the_slot_comes_back() {
    let app = std::sync::Arc::new(spawn_app(|s| s.sandbox.delay_ms = 3000).await);
    let x12 = member_inquiry();
    let five: Vec<_> = (0..5)
        .map(|_| {
            let (app, x12) = (std::sync::Arc::clone(&app), x12.clone());
            tokio::spawn(async move { app.raw_x12(&x12).await.0 })
        })
        .collect();
    app.wait_for_free_slots(0).await;
    let (status, body) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert!(body["message"].as_str().unwrap().contains("throttled"));
    for h in five {
        assert_eq!(
            h.await.unwrap(),
            StatusCode::OK,
            "the five in flight all complete"
        );
    }
    assert_eq!(app.free_slots(), 5);
    let (status, _) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::OK, "a slot is free again");
}

#[tokio::test]
async fn slots_free_again_after_clients_drop_five_requests_mid_flight() {
    let app = std::sync::Arc::new(spawn_app(|s| s.sandbox.delay_ms = 60_000).await);
    let x12 = member_inquiry();
    let five: Vec<_> = (0..5)
        .map(|_| {
            let (app, x12) = (std::sync::Arc::clone(&app), x12.clone());
            tokio::spawn(async move { app.raw_x12(&x12).await })
        })
        .collect();
    app.wait_for_free_slots(0).await;
    for h in &five {
        h.abort(); // drops the client connection mid-request
    }
    app.wait_for_free_slots(5).await;
    // Taken again: a new request is admitted (not refused) and holds a slot.
    let (app2, x12b) = (std::sync::Arc::clone(&app), x12.clone());
    let sixth = tokio::spawn(async move { app2.raw_x12(&x12b).await });
    app.wait_for_free_slots(4).await;
    sixth.abort();
    app.wait_for_free_slots(5).await;
}

#[tokio::test]
async fn payer_timeout_gets_504_and_releases_the_slot() {
    let app = spawn_app(|s| {
        s.sandbox.delay_ms = 10_000;
        s.payer.timeout_ms = 200;
    })
    .await;
    let started = std::time::Instant::now();
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(body["code"], "GATEWAY_TIMEOUT");
    assert!(body["message"].as_str().unwrap().contains("200 ms"));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered at the payer deadline, not the sandbox's"
    );
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn an_unreadable_270_never_takes_a_slot() {
    let app = std::sync::Arc::new(spawn_app(|s| s.sandbox.delay_ms = 60_000).await);
    let x12 = member_inquiry();
    let five: Vec<_> = (0..5)
        .map(|_| {
            let (app, x12) = (std::sync::Arc::clone(&app), x12.clone());
            tokio::spawn(async move { app.raw_x12(&x12).await })
        })
        .collect();
    app.wait_for_free_slots(0).await;
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
    let app = std::sync::Arc::new(
        spawn_app(|s| {
            s.sandbox.delay_ms = 60_000;
            s.accounts.get_mut("demo").unwrap().per_account = Some(2);
        })
        .await,
    );
    let x12 = member_inquiry();
    let two: Vec<_> = (0..2)
        .map(|_| {
            let (app, x12) = (std::sync::Arc::clone(&app), x12.clone());
            tokio::spawn(async move { app.raw_x12(&x12).await })
        })
        .collect();
    app.wait_for_free_slots(0).await;
    assert_eq!(app.raw_x12(&x12).await.0, StatusCode::TOO_MANY_REQUESTS);
    two.iter().for_each(tokio::task::JoinHandle::abort);
    app.wait_for_free_slots(2).await;
}
