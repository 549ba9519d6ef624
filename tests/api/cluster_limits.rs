//! The limit shared through a real three-master Redis Cluster by two replicas: exact counts across
//! replicas, accounts whose sets live on different nodes each keeping their own limit, leases
//! renewed on every node past `lease_ms`, and every slot freed afterwards (answers and hang-ups).
//! Replicas refuse (503) when Redis fails, so a cluster fault cannot hide behind the fallback.

use std::sync::Arc;
use std::time::Duration;

use eligibility_gateway::config::{Mode, OnBackendError, Settings, hash_key};
use eligibility_gateway::limit::{account_key, connector_key};
use reqwest::StatusCode;
use serde_json::Value;

use crate::gated::{Gated, PATIENCE};
use crate::helpers::*;
use crate::limits::send_as;
use crate::redis_cluster::RedisCluster;
use crate::redis_server::Leases;
use crate::shared_limits::{
    LEASE_MS, cap_the_gated_connector, five_pass_and_the_sixth_gets_429, gated_replicas, statuses,
    the_connector_cap_holds_and_frees_account_slots, use_redis, wait_held, wait_up,
};

/// An account answered by the built-in sandbox: a request that touches the limiter and no payer.
const WARM: (&str, &str) = ("warm-up", "warm-up-key");

/// Adds account `id` (API key `key`) in `mode`, limited to `per_account`.
fn add_account(s: &mut Settings, id: &str, key: &str, mode: Mode, per_account: u32) {
    let mut account = s.accounts["demo"].clone();
    account.mode = mode;
    account.api_key_hashes = vec![hash_key(key)];
    account.oauth_clients.clear();
    account.per_account = Some(per_account);
    s.accounts.insert(id.to_owned(), account);
}

/// Two replicas on `cluster`, both routed to one gated payer, connected to the cluster.
async fn two_replicas(
    cluster: &RedisCluster,
    tweak: impl Fn(&mut Settings),
) -> (Arc<Gated>, Arc<TestApp>, Arc<TestApp>) {
    let (gated, a, b) = gated_replicas(|s| {
        // Refusing while it cannot answer: a cluster fault must not hide behind the fallback.
        use_redis(s, cluster.url(), OnBackendError::Refuse);
        add_account(s, WARM.0, WARM.1, Mode::Sandbox, 1);
        tweak(s);
    })
    .await;
    warm_up(&a).await;
    warm_up(&b).await;
    (gated, a, b)
}

/// Waits (bounded) until `app` takes and frees a slot on the cluster (its first calls connect).
async fn warm_up(app: &TestApp) {
    let mut last = (StatusCode::OK, Value::Null);
    for _ in 0..50 {
        last = app.raw_x12_with(RAW, Some(WARM.1), &member_inquiry()).await;
        if last.0 == StatusCode::OK {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the replica never got a slot from the cluster: {last:?}");
}

#[tokio::test]
async fn six_concurrent_over_two_replicas_on_a_cluster_five_pass_and_one_gets_429() {
    let cluster = RedisCluster::start().await;
    let (gated, a, b) = two_replicas(&cluster, |_| {}).await;
    five_pass_and_the_sixth_gets_429(&cluster, &gated, &a, &b).await;
}

#[tokio::test]
async fn a_connector_cap_holds_across_replicas_with_its_set_on_another_node() {
    let cluster = RedisCluster::start().await;
    let (gated, a, b) = two_replicas(&cluster, cap_the_gated_connector).await;
    // Each request takes slots on two nodes and releases both, one command per node.
    assert_ne!(
        cluster.owner(&account_key("demo")).await,
        cluster.owner(&connector_key("gated")).await
    );
    the_connector_cap_holds_and_frees_account_slots(&cluster, &gated, &a, &b).await;
}

#[tokio::test]
async fn a_node_that_dies_is_refused_without_a_hang_and_shared_again_once_it_is_back() {
    let mut cluster = RedisCluster::start().await;
    let (gated, a, b) = two_replicas(&cluster, |_| {}).await;
    let node = cluster.owner(&account_key("demo")).await;
    cluster.kill(&node);
    // The account's set is on the dead node: refused (503) within the backend timeout.
    let (status, body) = tokio::time::timeout(PATIENCE, a.raw_x12(&member_inquiry()))
        .await
        .expect("no hang");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
    assert_eq!(gated.answered.load(std::sync::atomic::Ordering::SeqCst), 0);

    // The client reconnects by itself: the same node back, the limit is shared again.
    cluster.restart(&node).await;
    wait_up(&a, true).await;
    wait_up(&b, true).await;
    five_pass_and_the_sixth_gets_429(&cluster, &gated, &a, &b).await;
}

/// Two account IDs whose slot sets hash to different cluster slots owned by different nodes.
async fn accounts_on_two_nodes(cluster: &RedisCluster) -> (&'static str, &'static str) {
    const CANDIDATES: [&str; 8] = [
        "clinic-a", "clinic-b", "clinic-c", "clinic-d", "clinic-e", "clinic-f", "clinic-g",
        "clinic-h",
    ];
    let first = CANDIDATES[0];
    let home = cluster.owner(&account_key(first)).await;
    for other in &CANDIDATES[1..] {
        if cluster.owner(&account_key(other)).await != home {
            assert_ne!(
                cluster.keyslot(&account_key(first)).await,
                cluster.keyslot(&account_key(other)).await
            );
            return (first, other);
        }
    }
    panic!("all candidate accounts hash to one node");
}

const KEY_X: &str = "clinic-x-key";
const KEY_Y: &str = "clinic-y-key";

#[tokio::test]
async fn accounts_on_different_nodes_keep_exact_limits_renewed_past_lease_ms_and_freed() {
    let cluster = RedisCluster::start().await;
    let (x, y) = accounts_on_two_nodes(&cluster).await;
    let (gated, a, b) = two_replicas(&cluster, |s| {
        add_account(s, x, KEY_X, Mode::Production, 5);
        add_account(s, y, KEY_Y, Mode::Production, 2);
    })
    .await;
    let (x_key, y_key) = (account_key(x), account_key(y));
    assert_ne!(cluster.owner(&x_key).await, cluster.owner(&y_key).await);

    // Both replicas hold leases of both accounts, so each one's renewal reaches two nodes.
    let mut held = send_as(&a, KEY_X, 3);
    held.extend(send_as(&b, KEY_X, 2));
    held.extend(send_as(&a, KEY_Y, 1));
    held.extend(send_as(&b, KEY_Y, 1));
    gated.arrived(7).await;
    assert_eq!(
        (cluster.held(&x_key).await, cluster.held(&y_key).await),
        (5, 2)
    );
    // Time itself is what this part is about: three leases go by with the requests still held.
    tokio::time::sleep(Duration::from_millis(3 * LEASE_MS)).await;
    assert_eq!(
        (cluster.held(&x_key).await, cluster.held(&y_key).await),
        (5, 2),
        "renewed on both nodes, not expired"
    );
    for (app, key) in [(&a, KEY_X), (&b, KEY_X), (&a, KEY_Y), (&b, KEY_Y)] {
        let (status, body) = app.raw_x12_with(RAW, Some(key), &member_inquiry()).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{key}: {body}");
    }
    gated.go(7);
    assert!(statuses(held).await.iter().all(|s| *s == StatusCode::OK));
    assert_eq!(
        (cluster.held(&x_key).await, cluster.held(&y_key).await),
        (0, 0)
    );

    // Clients hanging up: the dropped slots go through the upkeep task, one command per node.
    let mut storm = send_as(&a, KEY_X, 5);
    storm.extend(send_as(&a, KEY_Y, 2));
    gated.arrived(7).await;
    storm.iter().for_each(tokio::task::JoinHandle::abort);
    for h in storm {
        let _ = h.await;
    }
    wait_held(&cluster, &x_key, 0).await;
    wait_held(&cluster, &y_key, 0).await;
    assert_eq!(a.state.limiter.shared().unwrap().held_here(), 0);
    assert!(
        a.state.limiter.shared().unwrap().is_up() && b.state.limiter.shared().unwrap().is_up(),
        "counted in the cluster throughout"
    );
    // Enough for the two below even if the payer still holds the hung-up calls.
    gated.go(9);
    let again = send_as(&b, KEY_Y, 2);
    assert!(
        statuses(again).await.iter().all(|s| *s == StatusCode::OK),
        "both of the account's slots usable again"
    );
}
