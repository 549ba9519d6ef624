//! The limit shared through a real `redis-server` by two replicas (and a child-process replica):
//! exact counts across replicas and under races, lease renewal, the slots of a replica killed
//! with `SIGKILL` coming back, Redis down or frozen (`local` and `refuse`), Redis back, disconnect storms, and
//! per-connector caps across replicas. Requests are held by a gated payer; the state is read from
//! Redis and from the apps.

use std::sync::Arc;
use std::time::Duration;

use eligibility_gateway::config::{LimitBackend, OnBackendError, Settings};
use eligibility_gateway::limit::{account_key, connector_key};
use reqwest::StatusCode;
use serde_json::Value;

use crate::gated::{Gated, PATIENCE, assert_connector_busy, gated_key, route_to};
use crate::helpers::*;
use crate::limits::send;
use crate::redis_server::{Leases, RedisServer};

/// Short leases keep the tests quick; renewals run every third of it.
pub const LEASE_MS: u64 = 1500;

/// Points `s` at the Redis (server or cluster) of `url` with short leases.
pub fn use_redis(s: &mut Settings, url: String, on_error: OnBackendError) {
    s.limits.backend = LimitBackend::Redis;
    s.limits.redis_url = url;
    s.limits.lease_ms = LEASE_MS;
    // Generous: the machine is shared, and a slow answer here would look like Redis being down.
    s.limits.backend_timeout_ms = 600;
    s.limits.on_backend_error = on_error;
}

/// Two replicas sharing `redis`, both routed to one gated payer.
async fn two_replicas(
    redis: &RedisServer,
    on_error: OnBackendError,
    tweak: impl Fn(&mut Settings),
) -> (Arc<Gated>, Arc<TestApp>, Arc<TestApp>) {
    gated_replicas(|s| {
        use_redis(s, redis.url(), on_error);
        tweak(s);
    })
    .await
}

/// Two replicas configured by `tweak`, both routed to one gated payer.
pub async fn gated_replicas(
    tweak: impl Fn(&mut Settings),
) -> (Arc<Gated>, Arc<TestApp>, Arc<TestApp>) {
    let (gated, url) = Gated::start().await;
    let key = gated_key();
    let mut apps = Vec::new();
    for _ in 0..2 {
        apps.push(Arc::new(
            spawn_app(|s| {
                route_to(s, "gated", &url, &key);
                tweak(s);
            })
            .await,
        ));
    }
    let b = apps.pop().unwrap();
    let a = apps.pop().unwrap();
    (gated, a, b)
}

/// Waits (bounded) until `key` holds `n` live leases.
pub async fn wait_held(redis: &impl Leases, key: &str, n: u64) {
    let mut last = 0;
    for _ in 0..500 {
        last = redis.held(key).await;
        if last == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{key} never held {n} leases (holds {last})");
}

/// Waits (bounded) until `app`'s limiter sees Redis up (or down).
pub async fn wait_up(app: &TestApp, up: bool) {
    let shared = app.state.limiter.shared().expect("redis backend");
    for _ in 0..500 {
        if shared.is_up() == up {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the limiter never saw redis {}",
        if up { "up" } else { "down" }
    );
}

/// The statuses of `handles`' answers, each awaited (bounded).
pub async fn statuses(
    handles: Vec<tokio::task::JoinHandle<(StatusCode, Value)>>,
) -> Vec<StatusCode> {
    let mut out = Vec::new();
    for h in handles {
        out.push(
            tokio::time::timeout(PATIENCE, h)
                .await
                .expect("answered")
                .unwrap()
                .0,
        );
    }
    out
}

#[tokio::test]
async fn six_concurrent_over_two_replicas_five_pass_and_one_gets_429() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |_| {}).await;
    five_pass_and_the_sixth_gets_429(&redis, &gated, &a, &b).await;
}

/// Six concurrent requests of the demo account over replicas `a` and `b` sharing `redis`: five
/// reach `gated` and hold five leases, the sixth gets 429 on either; all freed once answered.
pub async fn five_pass_and_the_sixth_gets_429(
    redis: &impl Leases,
    gated: &Gated,
    a: &Arc<TestApp>,
    b: &Arc<TestApp>,
) {
    let mut held = send(a, 3);
    held.extend(send(b, 2));
    gated.arrived(5).await;
    assert_eq!(redis.held(&account_key("demo")).await, 5);
    let (status, body) = b.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    assert_eq!(
        a.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(5);
    assert!(statuses(held).await.iter().all(|s| *s == StatusCode::OK));
    assert_eq!(
        redis.held(&account_key("demo")).await,
        0,
        "released before the answers went out"
    );
    gated.go(1);
    assert_eq!(b.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
    assert_eq!(gated.peak.load(std::sync::atomic::Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_payer_timeout_releases_the_shared_slot_before_answering() {
    let redis = RedisServer::start().await;
    // The gate never opens: only the payer deadline answers.
    let (_gated, a, _b) = two_replicas(&redis, OnBackendError::Local, |s| {
        s.payer.timeout_ms = 200;
    })
    .await;
    let (status, body) = a.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
    assert_eq!(redis.held(&account_key("demo")).await, 0);
    assert_eq!(a.state.limiter.shared().unwrap().held_here(), 0);
}

#[tokio::test]
async fn leases_are_renewed_while_requests_outlive_lease_ms() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |_| {}).await;
    let mut held = send(&a, 2);
    held.extend(send(&b, 3));
    gated.arrived(5).await;
    // Time itself is what this test is about: three leases go by with the requests still held.
    tokio::time::sleep(Duration::from_millis(3 * LEASE_MS)).await;
    assert_eq!(
        redis.held(&account_key("demo")).await,
        5,
        "renewed, not expired"
    );
    assert_eq!(
        a.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(5);
    assert!(statuses(held).await.iter().all(|s| *s == StatusCode::OK));
    wait_held(&redis, &account_key("demo"), 0).await;
}

/// The real binary as a replica, configured by `GATEWAY__*` variables.
struct ChildReplica {
    child: std::process::Child,
    base: String,
}

impl ChildReplica {
    fn start(redis: &RedisServer, payer_url: &str, key_file: &str) -> Self {
        let port = crate::redis_server::free_port();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_eligibility-gateway"))
            .arg("serve")
            .env_clear()
            .env("GATEWAY__SERVER__PORT", port.to_string())
            .env("GATEWAY__LIMITS__BACKEND", "redis")
            .env("GATEWAY__LIMITS__REDIS_URL", redis.url())
            .env("GATEWAY__LIMITS__LEASE_MS", LEASE_MS.to_string())
            .env("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "600")
            .env("GATEWAY__ACCOUNTS__DEMO__MODE", "production")
            .env("GATEWAY__PAYERS__DEFAULT", "gated")
            .env("GATEWAY__PAYERS__CONNECTORS__GATED__KIND", "http")
            .env("GATEWAY__PAYERS__CONNECTORS__GATED__FLAVOR", "stedi")
            .env("GATEWAY__PAYERS__CONNECTORS__GATED__URL", payer_url)
            .env("GATEWAY__PAYERS__CONNECTORS__GATED__API_KEY_FILE", key_file)
            .env("GATEWAY__LOG__LEVEL", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the gateway binary");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..500 {
            let url = format!(
                "{}{}",
                self.base,
                eligibility_gateway::http::HEALTH_PATHS[0]
            );
            if client.get(url).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the child replica never answered its health check");
    }
}

impl Drop for ChildReplica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_sigkilled_replica_frees_its_slots_within_lease_ms() {
    let redis = RedisServer::start().await;
    let (gated, url) = Gated::start().await;
    let key = gated_key();
    let mut child = ChildReplica::start(&redis, &url, &key.path());
    child.wait_ready().await;
    let app = Arc::new(
        spawn_app(|s| {
            route_to(s, "gated", &url, &key);
            use_redis(s, redis.url(), OnBackendError::Local);
        })
        .await,
    );
    let client = reqwest::Client::new();
    let in_child: Vec<_> = (0..3)
        .map(|_| {
            let req = client
                .post(format!("{}{RAW}", child.base))
                .header("Authorization", DEMO_KEY)
                .json(&serde_json::json!({ "x12": member_inquiry() }));
            tokio::spawn(async move { req.send().await.map(|r| r.status()) })
        })
        .collect();
    let in_app = send(&app, 2);
    gated.arrived(5).await;
    assert_eq!(
        app.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    child.child.kill().expect("SIGKILL the child replica");
    child.child.wait().expect("reap it");
    for h in in_child {
        assert!(
            h.await.unwrap().is_err(),
            "the killed replica never answered"
        );
    }
    // Its three leases end by themselves (nobody releases them); ours stay renewed.
    wait_held(&redis, &account_key("demo"), 2).await;
    let more = send(&app, 3);
    gated.arrived(3).await;
    assert_eq!(
        app.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(5);
    assert!(statuses(in_app).await.iter().all(|s| *s == StatusCode::OK));
    assert!(statuses(more).await.iter().all(|s| *s == StatusCode::OK));
}

/// Log lines of `app`'s limiter containing `text`.
fn transitions(app: &TestApp, text: &str) -> usize {
    let replica = app.state.limiter.shared().unwrap().replica().to_owned();
    logs_text()
        .lines()
        .filter(|l| l.contains(&replica) && l.contains(text))
        .count()
}

#[tokio::test]
async fn redis_down_falls_back_to_local_limits_logs_once_and_shares_again_when_back() {
    let mut redis = RedisServer::start().await;
    // A stopped Redis refuses connections at once; the 100 ms default bound only made a loaded
    // machine's slow call count as an outage (the shared count then came up short).
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |s| {
        s.limits.backend_timeout_ms = 2_000;
    })
    .await;
    gated.go(1);
    assert_eq!(a.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
    // Its arrival is taken off the count, or a later `arrived(n)` would count it as one of n
    // held calls and go on before they all are.
    gated.arrived(1).await;
    redis.stop();
    // Each replica now counts alone: five on each, the sixth on one refused.
    let mut held = send(&a, 5);
    held.extend(send(&b, 5));
    gated.arrived(10).await;
    assert_eq!(
        a.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        b.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(10);
    assert!(
        statuses(held).await.iter().all(|s| *s == StatusCode::OK),
        "no 500 while redis is down"
    );
    for _ in 0..5 {
        gated.go(1);
        assert_eq!(a.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
        gated.arrived(1).await;
    }
    assert_eq!(
        transitions(&a, "redis is not answering"),
        1,
        "one line per transition"
    );
    redis.restart().await;
    wait_up(&a, true).await;
    wait_up(&b, true).await;
    assert_eq!(transitions(&a, "redis answers again"), 1);
    let mut held = send(&a, 3);
    held.extend(send(&b, 2));
    gated.arrived(5).await;
    assert_eq!(redis.held(&account_key("demo")).await, 5, "shared again");
    assert_eq!(
        b.raw_x12(&member_inquiry()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    gated.go(5);
    assert!(statuses(held).await.iter().all(|s| *s == StatusCode::OK));
}

#[tokio::test]
async fn redis_down_with_refuse_answers_503_and_admits_again_when_back() {
    let mut redis = RedisServer::start().await;
    let (gated, a, _b) = two_replicas(&redis, OnBackendError::Refuse, |_| {}).await;
    redis.stop();
    for _ in 0..3 {
        let (status, body) = a.raw_x12(&member_inquiry()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
        assert!(body["message"].as_str().is_some());
    }
    assert_eq!(gated.answered.load(std::sync::atomic::Ordering::SeqCst), 0);
    redis.restart().await;
    wait_up(&a, true).await;
    gated.go(1);
    assert_eq!(a.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_frozen_redis_costs_at_most_the_backend_timeout_never_a_hang() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |_| {}).await;
    let (_g2, refusing, _r2) = two_replicas(&redis, OnBackendError::Refuse, |_| {}).await;
    // Connect both before the freeze.
    gated.go(2);
    assert_eq!(a.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
    assert_eq!(b.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
    redis.freeze(true);
    gated.go(1);
    let answer = tokio::time::timeout(PATIENCE, a.raw_x12(&member_inquiry())).await;
    let refused = tokio::time::timeout(PATIENCE, refusing.raw_x12(&member_inquiry())).await;
    redis.freeze(false);
    assert_eq!(answer.expect("no hang").0, StatusCode::OK, "local fallback");
    assert_eq!(refused.expect("no hang").0, StatusCode::SERVICE_UNAVAILABLE);
    wait_up(&a, true).await;
}

#[tokio::test]
async fn a_disconnect_storm_over_both_replicas_leaves_every_slot_free() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |_| {}).await;
    for _ in 0..5 {
        let mut storm = send(&a, 20);
        storm.extend(send(&b, 20));
        gated.arrived(5).await;
        storm.iter().for_each(tokio::task::JoinHandle::abort);
        for h in storm {
            let _ = h.await;
        }
        wait_held(&redis, &account_key("demo"), 0).await;
    }
    for app in [&a, &b] {
        let shared = app.state.limiter.shared().unwrap();
        for _ in 0..500 {
            if shared.held_here() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(shared.held_here(), 0, "no lease left to renew");
    }
    gated.go(5);
    let held = send(&a, 5);
    assert!(
        statuses(held).await.iter().all(|s| *s == StatusCode::OK),
        "all five slots usable"
    );
}

#[tokio::test]
async fn hundreds_of_racing_requests_never_put_more_than_the_limit_at_the_payer() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, |_| {}).await;
    gated.go(1_000_000);
    let mut all = send(&a, 200);
    all.extend(send(&b, 200));
    let got = statuses(all).await;
    let ok = got.iter().filter(|s| **s == StatusCode::OK).count();
    assert!(
        got.iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS),
        "{got:?}"
    );
    assert!(ok >= 5, "some were admitted ({ok})");
    let peak = gated.peak.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (1..=5).contains(&peak),
        "the payer held {peak} calls at once"
    );
    assert!(
        a.state.limiter.shared().unwrap().is_up(),
        "counted in redis throughout"
    );
    wait_held(&redis, &account_key("demo"), 0).await;
}

#[tokio::test]
async fn a_connector_cap_holds_across_replicas_and_frees_the_account_slot() {
    let redis = RedisServer::start().await;
    let (gated, a, b) = two_replicas(&redis, OnBackendError::Local, cap_the_gated_connector).await;
    the_connector_cap_holds_and_frees_account_slots(&redis, &gated, &a, &b).await;
}

/// Allows the demo account 10 and the gated connector 3.
pub fn cap_the_gated_connector(s: &mut Settings) {
    s.accounts.get_mut("demo").unwrap().per_account = Some(10);
    s.payers.connectors.get_mut("gated").unwrap().max_in_flight = Some(3);
}

/// With [`cap_the_gated_connector`]: three requests over `a` and `b` reach the payer, the fourth
/// on either is refused for the connector and gives its account slot back; all freed afterwards.
pub async fn the_connector_cap_holds_and_frees_account_slots(
    redis: &impl Leases,
    gated: &Gated,
    a: &Arc<TestApp>,
    b: &Arc<TestApp>,
) {
    let mut held = send(a, 2);
    held.extend(send(b, 1));
    gated.arrived(3).await;
    assert_connector_busy(b, "gated").await;
    assert_eq!(
        a.raw_x12(&member_inquiry()).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(redis.held(&connector_key("gated")).await, 3);
    assert_eq!(
        redis.held(&account_key("demo")).await,
        3,
        "refused requests gave their account slot back"
    );
    gated.go(3);
    assert!(statuses(held).await.iter().all(|s| *s == StatusCode::OK));
    wait_held(redis, &connector_key("gated"), 0).await;
    wait_held(redis, &account_key("demo"), 0).await;
}

#[test]
fn compose_runs_two_replicas_sharing_one_redis() {
    use yaml_rust2::YamlLoader;
    let docs = YamlLoader::load_from_str(include_str!("../../docker-compose.yml"))
        .expect("docker-compose.yml parses");
    let services = &docs[0]["services"];
    assert!(
        services["redis"]["image"]
            .as_str()
            .unwrap()
            .starts_with("redis")
    );
    for (name, port) in [
        ("gateway", "127.0.0.1:8080:8080"),
        ("gateway-2", "127.0.0.1:8081:8080"),
    ] {
        let s = &services[name];
        assert_eq!(s["ports"][0].as_str(), Some(port), "{name}");
        assert_eq!(
            s["environment"]["GATEWAY__LIMITS__BACKEND"].as_str(),
            Some("redis"),
            "{name}"
        );
        assert_eq!(
            s["environment"]["GATEWAY__LIMITS__REDIS_URL"].as_str(),
            Some("redis://redis:6379/0"),
            "{name}"
        );
        assert_eq!(
            s["image"].as_str(),
            Some("eligibility-gateway:local"),
            "{name}"
        );
    }
}

/// Polls (bounded) until `/readyz` answers `want`; returns its body.
async fn wait_readyz(app: &TestApp, want: StatusCode) -> Value {
    let mut last = (StatusCode::OK, Value::Null);
    for _ in 0..500 {
        last = app.get("/readyz").await;
        if last.0 == want {
            return last.1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("/readyz never answered {want}: {last:?}");
}

const BACKEND_ERRORS: &str = "gateway_limiter_backend_errors_total";

#[tokio::test]
async fn with_refuse_readyz_is_503_while_redis_is_down_and_backend_errors_are_counted() {
    use crate::metrics::{scrape, value};

    let mut redis = RedisServer::start().await;
    let app = spawn_app(|s| use_redis(s, redis.url(), OnBackendError::Refuse)).await;
    assert_eq!(app.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
    let body = wait_readyz(&app, StatusCode::OK).await;
    assert_eq!(body["status"], "READY");
    let before = value(&scrape(&app).await, BACKEND_ERRORS);

    redis.stop();
    // A request finds Redis gone: refused (503), never sent.
    let (status, body) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let body = wait_readyz(&app, StatusCode::SERVICE_UNAVAILABLE).await;
    assert_eq!(body["status"], "NOT_READY");
    assert_eq!(
        body["reasons"],
        serde_json::json!(["limiter_backend_unreachable"])
    );
    let down = value(&scrape(&app).await, BACKEND_ERRORS);
    assert!(
        down > before,
        "errors counted while down: {before} → {down}"
    );
    // Requests are refused without a Redis call now; the upkeep's probes keep failing, and each
    // failed call counts, not only the first.
    assert_eq!(
        app.raw_x12(&member_inquiry()).await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let mut later = down;
    for _ in 0..500 {
        later = value(&scrape(&app).await, BACKEND_ERRORS);
        if later > down {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(later > down, "still counting while down: {down} → {later}");

    redis.restart().await;
    let body = wait_readyz(&app, StatusCode::OK).await;
    assert_eq!(body["status"], "READY");
    assert!(body.get("reasons").is_none_or(Value::is_null), "{body}");
    assert_eq!(app.raw_x12(&member_inquiry()).await.0, StatusCode::OK);
}
