//! The transaction store over HTTP: every eligibility route records a transaction, searchable and
//! fetchable by its own account only; deduplication; encryption at rest; rotation; retention;
//! a stalled or absent store under both `store.on_error` values; PostgreSQL shared by replicas.

use std::time::Duration;

use eligibility_gateway::config::{AccountSettings, Mode, OnStoreError, Settings, hash_key};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    DEMO_KEY, RAW, RAW_BARE, SecretFile, TestApp, inquiry, secret_file, spawn_app,
};
use crate::postgres;

const MINIMAL: &str = include_str!("../fixtures/enhanced/postEligibility.request.minimal.json");
const TXNS: &str = "/rcm/eligibility/v1/transactions";
const OTHER_KEY: &str = "other-account-key";

fn key_file() -> SecretFile {
    secret_file(&eligibility_gateway::store::crypto::random_secret().unwrap())
}

fn add_other_account(s: &mut Settings) {
    s.accounts.insert(
        "other".into(),
        AccountSettings {
            mode: Mode::Sandbox,
            api_key_hashes: vec![hash_key(OTHER_KEY)],
            per_account: None,
            oauth_clients: Vec::new(),
            deduplication_lookback_hours: None,
            payer_aliases: Vec::new(),
            npi_rules: Vec::new(),
        },
    );
}

fn txn_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-transaction-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| {
            panic!(
                "x-transaction-id on the answer: {} {:?}",
                res.url(),
                res.headers()
            )
        })
        .to_owned()
}

impl TestApp {
    async fn get_with(&self, path: &str, key: &str) -> reqwest::Response {
        self.client()
            .get(format!("{}{path}", self.base))
            .header("Authorization", key)
            .send()
            .await
            .expect("GET")
    }

    /// Asserts that the demo account's search `query` counts `want` transactions.
    async fn assert_total(&self, query: &str, want: u32) {
        let res = self
            .get_with(&format!("{TXNS}?{query}&returnTotalCount=true"), DEMO_KEY)
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{query}");
        assert_eq!(
            res.headers()["x-total-count"],
            want.to_string().as_str(),
            "{query}"
        );
    }

    /// Waits (bounded) until the writer stored transaction `id`; its JSON.
    async fn stored(&self, id: &str) -> Value {
        for _ in 0..500 {
            let res = self.get_with(&format!("{TXNS}/{id}"), DEMO_KEY).await;
            if res.status() == StatusCode::OK {
                return res.json().await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("transaction {id} was never stored");
    }

    async fn raw_sent(&self, path: &str, x12: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut req = self
            .post(path)
            .header("Authorization", DEMO_KEY)
            .json(&json!({ "x12": x12 }));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        req.send().await.expect("POST")
    }

    async fn metric(&self, needle: &str) -> f64 {
        let text = self
            .client()
            .get(format!("{}/metrics", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|l| l.starts_with(needle))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

fn member(n: u32, last: &str) -> String {
    inquiry("842610001", &format!("MBR{n:08}"), last, "JOHNONE")
}

#[tokio::test]
async fn every_eligibility_route_records_a_transaction_named_in_its_answer() {
    let app = spawn_app(|_| {}).await;
    let v3: Value = {
        let mut v: Value = serde_json::from_str(MINIMAL).unwrap();
        v["controlNumber"] = json!("123456789");
        v
    };
    let mut ids = Vec::new();
    for path in [RAW, RAW_BARE] {
        let res = app
            .raw_sent(
                path,
                &member(1, "ROUTES"),
                &[("x-optum-correlation-id", "corr-raw")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        ids.push((txn_id(&res), "new"));
    }
    for path in [
        "/medicalnetwork/eligibility/v3",
        "/change/medicalnetwork/eligibility/v3",
    ] {
        let res = app
            .post(path)
            .header("Authorization", DEMO_KEY)
            .json(&v3)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        ids.push((txn_id(&res), "new"));
    }
    let res = app
        .post("/rcm/eligibility/v1")
        .header("Authorization", DEMO_KEY)
        .header("x-optum-correlation-id", "corr-v1")
        .body(MINIMAL)
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-optum-tenant-id"], "demo");
    assert_eq!(res.headers()["x-optum-correlation-id"], "corr-v1");
    let id = txn_id(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id"], id.as_str());
    assert_eq!(body["sourceType"], "new");
    assert_eq!(body["correlationId"], "corr-v1");
    assert_eq!(body["payer"]["chcId"], "CIGNA");
    assert!(body["status"]["value"].is_string());
    ids.push((id, "new"));
    let res = app
        .raw_sent(
            "/rcm/eligibility/v1/real-time/x12",
            &crate::helpers::member_inquiry(),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = txn_id(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"]["value"], "eligible", "a sandbox member");
    assert!(body["x12-271"].as_str().unwrap().starts_with("ISA"));
    ids.push((id, "new"));
    // Refusals are transactions too.
    let res = app.raw_sent(RAW, "ISA*not a 270", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused = txn_id(&res);
    let res = app
        .raw_sent("/rcm/eligibility/v1/real-time/x12", "ISA*not a 270", &[])
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let refused_v1 = txn_id(&res);
    let errors: Vec<String> = res.json().await.unwrap();
    assert!(
        errors[0].starts_with("Failed Precondition - "),
        "{errors:?}"
    );
    for (id, source) in &ids {
        let t = app.stored(id).await;
        assert_eq!(t["sourceType"], *source);
    }
    for id in [refused, refused_v1] {
        let t = app.stored(&id).await;
        assert_eq!(t["status"]["value"], "processing_error");
        assert!(!t["errors"].as_array().unwrap().is_empty());
    }
    let t = app.stored(&ids[0].0).await;
    assert_eq!(t["correlationId"], "corr-raw");
    assert_eq!(t["patient"]["lastName"], "ROUTES");
    assert_eq!(
        t["status"]["value"], "patient_unknown",
        "not a sandbox member"
    );
}

#[tokio::test]
async fn search_filters_pages_and_counts_within_the_account() {
    let app = spawn_app(add_other_account).await;
    let mut last = String::new();
    for n in 0..3 {
        let res = app.raw_sent(RAW, &member(10 + n, "SEARCHME"), &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        last = txn_id(&res);
    }
    let res = app.raw_sent(RAW, &member(20, "OTHERNAME"), &[]).await;
    let other_name = txn_id(&res);
    app.stored(&last).await;
    app.stored(&other_name).await;
    let res = app
        .get_with(
            &format!("{TXNS}?patientLastName=searchme&limit=2&returnTotalCount=true"),
            DEMO_KEY,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"], "3");
    let link = res.headers()["link"].to_str().unwrap().to_owned();
    assert!(
        link.contains("offset=2") && link.contains("rel=\"next\""),
        "{link}"
    );
    assert!(link.contains("patientLastName=searchme"), "{link}");
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], last.as_str(), "newest first");
    let next = link
        .trim_start_matches('<')
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    let res = app.get_with(&next, DEMO_KEY).await;
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 1);
    for (query, want) in [
        ("memberId=MBR00000020", 1),
        ("patientFirstName=johnone", 4),
        // The fixture's DMG*D8*19430519, recorded as a date.
        ("patientDateOfBirth=1943-05-19", 4),
        ("patientDateOfBirth=1943-05-20", 0),
        ("status=eligible,ineligible,patient_unknown", 4),
        ("status=payer_unavailable", 0),
        ("npi=9999999999", 0),
        ("correlationId=none", 0),
        (
            "startDateTime=2000-01-01T00:00:00Z&endDateTime=2100-01-01T00:00:00Z",
            4,
        ),
        ("endDateTime=2000-01-01T00:00:00Z", 0),
    ] {
        app.assert_total(query, want).await;
    }
    let res = app.get_with(&format!("{TXNS}?limit=101"), DEMO_KEY).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Another account sees none of it.
    let res = app.get_with(&format!("{TXNS}/{last}"), OTHER_KEY).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!(["Not Found - record not found"])
    );
    let res = app
        .get_with(&format!("{TXNS}?returnTotalCount=true"), OTHER_KEY)
        .await;
    assert_eq!(res.headers()["x-total-count"], "0");
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
    let res = app.get_with(&format!("{TXNS}/{last}"), "wrong-key").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app
        .get_with("/rcm/eligibility/v1/healthcheck", DEMO_KEY)
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({ "status": "ok" })
    );
}

/// A 270 whose patient is a dependent, with the subscriber's account number and MRN, to `payer`.
fn dependent_inquiry(payer: &str) -> String {
    let body = [
        "BHT*0022*13*10001234*20260101*1200",
        "HL*1**20*1",
        &format!("NM1*PR*2*ACME HEALTH PLAN*****PI*{payer}"),
        "HL*2*1*21*1",
        "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893",
        "HL*3*2*22*1",
        "NM1*IL*1*DOEONE*JOHNONE****MI*0000000001",
        "REF*EJ*ACCT 77",
        "REF*EA*MRN-5",
        "HL*4*3*23*0",
        "TRN*1*93175-012547*9877281234",
        "NM1*03*1*KIDLAST*KIDFIRST",
        "DMG*D8*20100203*F",
        "EQ*30",
    ];
    format!(
        "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*T*:~\
         GS*HS*SUBMITTER*RECEIVER*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~{}~SE*{}*0001~GE*1*1~IEA*1*000000001~",
        body.join("~"),
        body.len() + 2
    )
}

/// The people are not kept apart from the 270: what searches match on is hashed as the 270 is
/// read (the dependent is the patient; the member ID and references fall back to the
/// subscriber's), and a stored record shows the people its 270 names, with or without a 271.
#[tokio::test]
async fn a_dependent_is_found_by_each_field_and_shown_from_the_270() {
    let app = spawn_app(|_| {}).await;
    let answered = app
        .raw_sent(RAW, &dependent_inquiry("842610001"), &[])
        .await;
    assert_eq!(answered.status(), StatusCode::OK);
    let answered = txn_id(&answered);
    // No payer answer, so no 271 to show the people from: only the 270 names them.
    let unknown = app
        .raw_sent(
            "/rcm/eligibility/v1/real-time/x12",
            &dependent_inquiry("842610001"),
            &[("x-optum-rcmelig-mock-scenarios", "payer_not_in_system")],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let id = txn_id(&unknown);
    let answered_now: Value = unknown.json().await.unwrap();
    app.stored(&answered).await;
    let stored = app.stored(&id).await;
    for shown in [&answered_now, &stored] {
        assert_eq!(shown["status"]["value"], "payer_not_in_system");
        assert!(shown.get("x12-271").is_none(), "no 271: {shown}");
        assert_eq!(shown["patient"]["lastName"], "KIDLAST");
        assert_eq!(shown["patient"]["firstName"], "KIDFIRST");
        assert_eq!(shown["patient"]["dateOfBirth"], "2010-02-03");
        assert_eq!(shown["patient"]["gender"], "F");
        assert_eq!(shown["subscriber"]["lastName"], "DOEONE");
        assert_eq!(shown["subscriber"]["memberId"], "0000000001");
        assert_eq!(shown["payer"]["name"], "ACME HEALTH PLAN");
    }
    for (query, want) in [
        ("patientLastName=kidlast", 2),
        ("patientFirstName=KIDFIRST", 2),
        ("patientDateOfBirth=2010-02-03", 2),
        ("memberId=0000000001", 2),
        ("patientAccountNumber=acct%20%2077", 2),
        ("medicalRecordNumber=mrn-5", 2),
        ("patientLastName=doeone", 0),
        ("medicalRecordNumber=ACCT%2077", 0),
    ] {
        app.assert_total(query, want).await;
    }
}

#[tokio::test]
async fn duplicates_are_replayed_without_the_payer_or_a_slot() {
    let app = spawn_app(|s| {
        s.deduplication.lookback_hours = 24;
        s.limits.per_account = 1;
        s.sandbox.delay_ms = 1500;
    })
    .await;
    let first = app.raw_sent(RAW, &member(30, "DEDUP"), &[]).await;
    let first = txn_id(&first);
    app.stored(&first).await;
    // The only slot is held by a request to the payer; a replay needs none.
    let holder = {
        let req = app
            .post(RAW)
            .header("Authorization", DEMO_KEY)
            .json(&json!({ "x12": member(31, "HOLDER") }));
        tokio::spawn(req.send())
    };
    app.wait_for_free_slots(0).await;
    let res = app.raw_sent(RAW, &member(30, "DEDUP"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let replay = txn_id(&res);
    let body: Value = res.json().await.unwrap();
    let warned = body["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w["description"].as_str().unwrap().contains(&first));
    assert!(warned, "the answer names the original: {body}");
    let t = app.stored(&replay).await;
    assert_eq!(t["sourceType"], "duplicate");
    assert_eq!(t["sourceId"], first.as_str());
    assert_eq!(holder.await.unwrap().unwrap().status(), StatusCode::OK);
    app.wait_for_free_slots(1).await;
    // The opt-out header, and a different service type, go to the payer.
    let res = app
        .raw_sent(
            RAW,
            &member(30, "DEDUP"),
            &[("x-optum-eligibility-disable-value-add", "deduplication")],
        )
        .await;
    assert_eq!(app.stored(&txn_id(&res)).await["sourceType"], "new");
    let other_stc = member(30, "DEDUP").replace("EQ*30~", "EQ*1~");
    assert_ne!(other_stc, member(30, "DEDUP"));
    let res = app.raw_sent(RAW, &other_stc, &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.stored(&txn_id(&res)).await["sourceType"], "new");
    let res = app.raw_sent(RAW, &member(32, "DEDUP"), &[]).await;
    assert_eq!(
        app.stored(&txn_id(&res)).await["sourceType"],
        "new",
        "another member"
    );
    assert!(app.metric("gateway_store_duplicate_hits_total").await >= 1.0);
}

#[tokio::test]
async fn deduplication_is_off_by_default_and_per_account() {
    let app = spawn_app(|s| {
        if let Some(demo) = s.accounts.get_mut("demo") {
            demo.deduplication_lookback_hours = Some(1);
        }
        add_other_account(s);
    })
    .await;
    let first = txn_id(&app.raw_sent(RAW, &member(40, "PERACCT"), &[]).await);
    app.stored(&first).await;
    let second = txn_id(&app.raw_sent(RAW, &member(40, "PERACCT"), &[]).await);
    assert_eq!(app.stored(&second).await["sourceId"], first.as_str());
    // The other account has the default (off) and never sees the demo account's answers.
    for _ in 0..2 {
        let res = app
            .post(RAW)
            .header("Authorization", OTHER_KEY)
            .json(&json!({ "x12": member(40, "PERACCT") }))
            .send()
            .await
            .unwrap();
        let id = txn_id(&res);
        for _ in 0..500 {
            let r = app.get_with(&format!("{TXNS}/{id}"), OTHER_KEY).await;
            if r.status() == StatusCode::OK {
                assert_eq!(r.json::<Value>().await.unwrap()["sourceType"], "new");
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Only requests recorded while deduplication is on can be replayed: the store keeps no
/// deduplication hash (and its index no entry) for the others.
#[tokio::test]
async fn requests_recorded_while_deduplication_was_off_are_not_replayed() {
    let dir = crate::helpers::TempDir::new();
    let url = format!("sqlite://{}/gateway.db", dir.0.display());
    let off = spawn_app(|s| s.store.url = url.clone()).await;
    let before = txn_id(&off.raw_sent(RAW, &member(45, "LATERON"), &[]).await);
    off.stored(&before).await;
    let on = spawn_app(|s| {
        s.store.url = url.clone();
        s.deduplication.lookback_hours = 1;
    })
    .await;
    let first = txn_id(&on.raw_sent(RAW, &member(45, "LATERON"), &[]).await);
    let t = on.stored(&first).await;
    assert_eq!(t["sourceType"], "new", "recorded while off: not matched");
    let second = txn_id(&on.raw_sent(RAW, &member(45, "LATERON"), &[]).await);
    assert_eq!(on.stored(&second).await["sourceId"], first.as_str());
}

#[tokio::test]
async fn a_stalled_store_never_hangs_a_request_under_either_setting() {
    use sqlx::Connection as _;
    for on_error in [OnStoreError::Serve, OnStoreError::Refuse] {
        let app = spawn_app(|s| {
            s.store.on_error = on_error;
            s.store.timeout_ms = 100;
        })
        .await;
        let db = app.data.0.join("gateway.db");
        let mut lock = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::raw_sql("BEGIN EXCLUSIVE")
            .execute(&mut lock)
            .await
            .unwrap();
        let res = app.raw_sent(RAW, &member(50, "STALLED"), &[]).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{on_error:?}: the write is off the path"
        );
        for _ in 0..500 {
            if app
                .metric("gateway_store_errors_total{operation=\"write\"}")
                .await
                >= 1.0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(
            app.metric("gateway_store_errors_total{operation=\"write\"}")
                .await
                >= 1.0
        );
        let res = tokio::time::timeout(
            Duration::from_secs(10),
            app.raw_sent(RAW, &member(51, "STALLED"), &[]),
        )
        .await
        .expect("no hang");
        let (ready, body) = app.get("/readyz").await;
        match on_error {
            OnStoreError::Serve => {
                assert_eq!(res.status(), StatusCode::OK);
                assert_eq!(ready, StatusCode::OK);
            }
            OnStoreError::Refuse => {
                assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
                let body: Value = res.json().await.unwrap();
                assert_eq!(body["code"], "SERVICE_UNAVAILABLE");
                assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
                assert!(body.to_string().contains("record"));
                assert!(
                    body_reasons(&app)
                        .await
                        .contains(&"store_unavailable".to_owned()),
                    "{body}"
                );
            }
        }
        let _ = ready;
        let _ = body;
        sqlx::raw_sql("ROLLBACK").execute(&mut lock).await.unwrap();
        drop(lock);
        // Back once the store answers (the writer probes it every second).
        let mut ok = false;
        for _ in 0..100 {
            let res = app.raw_sent(RAW, &member(52, "STALLED"), &[]).await;
            if res.status() == StatusCode::OK {
                app.stored(&txn_id(&res)).await;
                ok = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ok, "{on_error:?}: recovers");
        assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
    }
}

async fn body_reasons(app: &TestApp) -> Vec<String> {
    let (_, body) = app.get("/readyz").await;
    body["reasons"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_store_that_cannot_be_opened_stops_start_up_naming_the_key() {
    let mut s = Settings::defaults().unwrap();
    s.server.port = 0;
    s.store.url = "postgres://postgres@127.0.0.1:1/none".into();
    let err = eligibility_gateway::app::App::build(&s)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("store.encryption_key_env"), "{err}");
    let key = key_file();
    s.store.encryption_key_file = key.path();
    s.store.timeout_ms = 50;
    let err = eligibility_gateway::app::App::build(&s)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`store.url`") && err.contains("cannot be opened"),
        "{err}"
    );
}

#[tokio::test]
async fn keys_rotate_and_old_transactions_still_read() {
    let dir = crate::helpers::TempDir::new();
    let url = format!("sqlite://{}/gateway.db", dir.0.display());
    let (old, new) = (key_file(), key_file());
    let first = spawn_app(|s| {
        s.store.url = url.clone();
        s.store.encryption_key_file = old.path();
    })
    .await;
    let id = txn_id(&first.raw_sent(RAW, &member(60, "ROTATE"), &[]).await);
    first.stored(&id).await;
    let rotated = spawn_app(|s| {
        s.store.url = url.clone();
        s.store.encryption_key_file = new.path();
        s.store.decryption_key_files = vec![old.path()];
    })
    .await;
    assert_eq!(rotated.stored(&id).await["patient"]["lastName"], "ROTATE");
    let res = rotated
        .get_with(
            &format!("{TXNS}?patientLastName=rotate&returnTotalCount=true"),
            DEMO_KEY,
        )
        .await;
    assert_eq!(
        res.headers()["x-total-count"],
        "1",
        "old hashes still match"
    );
    let forgot = spawn_app(|s| {
        s.store.url = url.clone();
        s.store.encryption_key_file = new.path();
    })
    .await;
    let res = forgot.get_with(&format!("{TXNS}/{id}"), DEMO_KEY).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn transactions_past_retention_are_purged() {
    purged_on(None).await;
}

#[tokio::test]
async fn transactions_past_retention_are_purged_on_postgres() {
    purged_on(Some(postgres::fresh_database().await)).await;
}

/// Records an old transaction and a recent one; a replica starting on the same database (SQLite
/// when `postgres` is `None`) purges the old one only.
async fn purged_on(postgres: Option<String>) {
    let key = key_file();
    let on = |s: &mut Settings, url: &Option<String>| {
        s.store.retention_days = 1;
        s.store.encryption_key_file = key.path();
        if let Some(url) = url {
            s.store.url.clone_from(url);
        }
    };
    let app = spawn_app(|s| on(s, &postgres)).await;
    let recorder = app.state.store.clone().unwrap();
    let mut old = eligibility_gateway::store::Transaction {
        id: uuid::Uuid::new_v4().to_string(),
        account: "demo".into(),
        processed_ms: eligibility_gateway::store::now_ms() - 2 * 86_400_000,
        route: RAW.into(),
        status: "eligible".into(),
        source_type: "new".into(),
        source_id: None,
        correlation_id: None,
        payer_id: None,
        npi: None,
        details: eligibility_gateway::store::Details::default(),
    };
    let recent_id = txn_id(&app.raw_sent(RAW, &member(70, "RETAIN"), &[]).await);
    app.stored(&recent_id).await;
    recorder
        .store()
        .record(&eligibility_gateway::store::NewTransaction {
            transaction: old.clone(),
            dedup_key: None,
            searched: None,
        })
        .await
        .unwrap();
    app.stored(&old.id).await;
    // A replica starting on the same database purges at once.
    let url = postgres.unwrap_or_else(|| format!("sqlite://{}/gateway.db", app.data.0.display()));
    let _second = spawn_app(|s| on(s, &Some(url))).await;
    let mut gone = false;
    for _ in 0..500 {
        if app
            .get_with(&format!("{TXNS}/{}", old.id), DEMO_KEY)
            .await
            .status()
            == StatusCode::NOT_FOUND
        {
            gone = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(gone, "the old transaction was purged");
    app.stored(&recent_id).await;
    old.id.clear();
}

/// Distinctive PHI that must never be in clear at rest.
const PHI: [&str; 4] = ["ZEBEDIAHQX", "XANTHIPPEQ", "MBRZQ99118877", "19470623"];

fn phi_inquiry() -> String {
    inquiry("842610001", PHI[2], PHI[0], PHI[1])
        .replace("DMG*D8*19430519", &format!("DMG*D8*{}", PHI[3]))
}

#[tokio::test]
async fn neither_the_sqlite_file_nor_a_pg_dump_holds_phi_in_clear() {
    let sent = phi_inquiry();
    assert!(
        sent.contains(PHI[3]),
        "the fixture's birth date was replaced"
    );
    let app = spawn_app(|_| {}).await;
    let id = txn_id(&app.raw_sent(RAW, &sent, &[]).await);
    app.stored(&id).await;
    let mut bytes = Vec::new();
    for f in ["gateway.db", "gateway.db-wal"] {
        bytes.extend(std::fs::read(app.data.0.join(f)).unwrap_or_default());
    }
    assert!(
        bytes.windows(id.len()).any(|w| w == id.as_bytes()),
        "the row is in the file"
    );
    for phi in PHI.iter().chain(&["1947-06-23"]) {
        assert!(
            !bytes.windows(phi.len()).any(|w| w == phi.as_bytes()),
            "{phi} in the SQLite file"
        );
    }
    let url = postgres::fresh_database().await;
    let key = key_file();
    let app = spawn_app(|s| {
        s.store.url = url.clone();
        s.store.encryption_key_file = key.path();
    })
    .await;
    let id = txn_id(&app.raw_sent(RAW, &sent, &[]).await);
    assert_eq!(app.stored(&id).await["patient"]["lastName"], PHI[0]);
    let dump = postgres::dump(&url);
    // A record's id is listed beside its group (`bytea`, which the dump writes in hex).
    let hex = id.bytes().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    });
    assert!(
        dump.contains(&id) || dump.contains(&hex),
        "the record is in the dump"
    );
    for phi in PHI.iter().chain(&["1947-06-23"]) {
        assert!(!dump.contains(phi), "{phi} in the pg_dump");
    }
}

#[tokio::test]
async fn replicas_on_one_postgres_share_transactions_and_duplicates() {
    let url = postgres::fresh_database().await;
    let key = key_file();
    let replica = |url: String, key: String| {
        spawn_app(move |s| {
            s.store.url = url;
            s.store.encryption_key_file = key;
            s.deduplication.lookback_hours = 1;
        })
    };
    let (a, b) = (
        replica(url.clone(), key.path()).await,
        replica(url.clone(), key.path()).await,
    );
    let first = txn_id(&a.raw_sent(RAW, &member(80, "REPLICA"), &[]).await);
    a.stored(&first).await;
    assert_eq!(b.stored(&first).await["patient"]["lastName"], "REPLICA");
    let res = b.raw_sent(RAW, &member(80, "REPLICA"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let replay = txn_id(&res);
    let t = a.stored(&replay).await;
    assert_eq!(t["sourceType"], "duplicate");
    assert_eq!(t["sourceId"], first.as_str());
}

#[tokio::test]
async fn sandbox_mock_scenarios_give_each_status() {
    let app = spawn_app(|s| s.deduplication.lookback_hours = 1).await;
    for scenario in [
        "eligible",
        "ineligible",
        "patient_unknown",
        "payer_unavailable",
        "payer_not_in_system",
        "processing_error",
    ] {
        let res = app
            .raw_sent(
                "/rcm/eligibility/v1/real-time/x12",
                &member(90, "MOCKED"),
                &[("x-optum-rcmelig-mock-scenarios", scenario)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{scenario}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["status"]["value"], scenario, "{body}");
        assert_eq!(
            body["sourceType"], "new",
            "{scenario}: mocks are never replays"
        );
    }
    let res = app
        .raw_sent(
            "/rcm/eligibility/v1/real-time/x12",
            &member(90, "MOCKED"),
            &[("x-optum-rcmelig-mock-scenarios", "Eligible")],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "exact, case-sensitive"
    );
    let errors: Vec<String> = res.json().await.unwrap();
    assert!(errors[0].contains("payer_not_in_system"), "{errors:?}");
}

/// A TCP relay to the test PostgreSQL that can be cut (every connection closed, new ones refused)
/// and restored: the store going down and coming back.
struct Relay {
    port: u16,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: std::sync::Arc<tokio::sync::Notify>,
}

impl Relay {
    async fn start(target: u16) -> Self {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cut = std::sync::Arc::new(tokio::sync::Notify::new());
        let (d, c) = (down.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if d.load(Ordering::Acquire) {
                    continue; // dropped: refused
                }
                let c = c.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        () = c.notified() => {}
                    }
                });
            }
        });
        Self { port, down, cut }
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::Release);
        if down {
            self.cut.notify_waiters();
        }
    }
}

#[tokio::test]
async fn a_postgres_that_goes_down_never_hangs_a_request_under_either_setting() {
    for on_error in [OnStoreError::Serve, OnStoreError::Refuse] {
        let url = postgres::fresh_database().await;
        let relay = Relay::start(postgres::port()).await;
        let relayed = url.replace(
            &format!(":{}/", postgres::port()),
            &format!(":{}/", relay.port),
        );
        let key = key_file();
        let app = spawn_app(|s| {
            s.store.url = relayed.clone();
            s.store.encryption_key_file = key.path();
            s.store.on_error = on_error;
            s.store.timeout_ms = 200;
        })
        .await;
        let id = txn_id(&app.raw_sent(RAW, &member(95, "DOWN"), &[]).await);
        app.stored(&id).await;
        relay.set_down(true);
        // Each answer comes, and quickly; under "refuse" they turn 503 once a write has failed.
        let mut last = StatusCode::OK;
        for _ in 0..100 {
            let res = tokio::time::timeout(
                Duration::from_secs(10),
                app.raw_sent(RAW, &member(96, "DOWN"), &[]),
            )
            .await
            .expect("no hang");
            last = res.status();
            assert!(
                last == StatusCode::OK || last == StatusCode::SERVICE_UNAVAILABLE,
                "{last}"
            );
            if app
                .metric("gateway_store_errors_total{operation=\"write\"}")
                .await
                >= 1.0
                && (on_error == OnStoreError::Serve || last == StatusCode::SERVICE_UNAVAILABLE)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            app.metric("gateway_store_errors_total{operation=\"write\"}")
                .await
                >= 1.0,
            "{on_error:?}: counted"
        );
        let search = app.get_with(TXNS, DEMO_KEY).await;
        assert_eq!(
            search.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "reads say so"
        );
        match on_error {
            OnStoreError::Serve => {
                assert_eq!(last, StatusCode::OK);
                assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
            }
            OnStoreError::Refuse => {
                assert_eq!(last, StatusCode::SERVICE_UNAVAILABLE);
                assert!(
                    body_reasons(&app)
                        .await
                        .contains(&"store_unavailable".to_owned())
                );
            }
        }
        relay.set_down(false);
        let mut back = false;
        for _ in 0..100 {
            let res = app.raw_sent(RAW, &member(97, "DOWN"), &[]).await;
            if res.status() == StatusCode::OK && app.get("/readyz").await.0 == StatusCode::OK {
                let id = txn_id(&res);
                app.stored(&id).await;
                back = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(back, "{on_error:?}: recovers when PostgreSQL answers again");
    }
}

/// A client that reads its transaction right after the answer finds it, by id and by search:
/// reads wait (bounded by `store.timeout_ms`) for the records this replica has queued.
#[tokio::test]
async fn a_transaction_is_found_right_after_its_answer() {
    let app = spawn_app(|s| s.store.timeout_ms = 10_000).await;
    for round in 0..5 {
        let correlation = format!("read-your-writes-{round}");
        let res = app
            .post("/rcm/eligibility/v1")
            .header("Authorization", DEMO_KEY)
            .header("x-optum-correlation-id", &correlation)
            .header("x-optum-eligibility-disable-value-add", "deduplication")
            .body(MINIMAL)
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let id = txn_id(&res);
        let answered: Value = res.json().await.unwrap();
        let got = app.get_with(&format!("{TXNS}/{id}"), DEMO_KEY).await;
        assert_eq!(
            got.status(),
            StatusCode::OK,
            "round {round}: GET by id at once"
        );
        // The store keeps the 271, not the JSON made from it: read back, it is the same answer.
        let read: Value = got.json().await.unwrap();
        assert!(!answered["benefits"].as_array().unwrap().is_empty());
        assert_eq!(read, answered, "round {round}: read back as answered");
        let found: Value = app
            .get_with(&format!("{TXNS}?correlationId={correlation}"), DEMO_KEY)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found[0]["id"], json!(id), "round {round}: search at once");
    }
}

/// A refused credential on the v1 routes answers in Optum's v1 shapes: 401 is
/// `{error, error_description, traceId}`, a bad request the `Error` array; never Change's body.
#[tokio::test]
async fn v1_routes_refuse_credentials_in_optums_shapes() {
    let app = spawn_app(|_| {}).await;
    let posts = ["/rcm/eligibility/v1", "/rcm/eligibility/v1/real-time/x12"];
    let gets = [
        TXNS,
        "/rcm/eligibility/v1/transactions/x",
        "/rcm/eligibility/v1/healthcheck",
    ];
    for (path, key) in posts
        .iter()
        .chain(&gets)
        .flat_map(|p| [(*p, None), (*p, Some("not-a-key"))])
    {
        let mut req = if posts.contains(&path) {
            app.post(path)
                .header("content-type", "application/json")
                .body(MINIMAL)
        } else {
            app.client().get(format!("{}{path}", app.base))
        };
        req = req.header("x-request-id", "trace-401");
        if let Some(k) = key {
            req = req.header("Authorization", k);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
        let body: Value = res.json().await.unwrap();
        let expected = if key.is_some() {
            "invalid_token"
        } else {
            "invalid_request"
        };
        assert_eq!(body["error"], expected, "{path}: {body}");
        assert!(
            body["error_description"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{path}: {body}"
        );
        assert_eq!(body["traceId"], "trace-401", "{path}: {body}");
        assert!(body.get("code").is_none(), "not Change's shape: {body}");
    }
    let res = app
        .client()
        .get(format!("{}{TXNS}", app.base))
        .header("Authorization", DEMO_KEY)
        .header("Authorization", DEMO_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let errors: Vec<String> = res.json().await.unwrap();
    assert!(
        errors[0].starts_with("Failed Precondition - ") && errors[0].contains("Authorization"),
        "{errors:?}"
    );
}

/// `deduplication.exclude_prior_month`: an answer given in an earlier calendar month (UTC) is
/// not replayed, however long the window; without it, it is.
#[tokio::test]
async fn answers_from_a_prior_month_are_replayed_only_when_not_excluded() {
    use sqlx::Connection as _;
    for exclude in [false, true] {
        let app = spawn_app(|s| {
            s.deduplication.lookback_hours = 24 * 62;
            s.deduplication.exclude_prior_month = exclude;
        })
        .await;
        let first = txn_id(&app.raw_sent(RAW, &member(40, "MONTHLY"), &[]).await);
        app.stored(&first).await;
        // Back-date the answer by 32 days: always in an earlier month, always in the window.
        let db = app.data.0.join("gateway.db");
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        let done = sqlx::query(
            "UPDATE transactions SET processed_ms = processed_ms - 32 * 86400000 WHERE id = ?",
        )
        .bind(&first)
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 1);
        drop(conn);
        let again = txn_id(&app.raw_sent(RAW, &member(40, "MONTHLY"), &[]).await);
        let t = app.stored(&again).await;
        let expected = if exclude { "new" } else { "duplicate" };
        assert_eq!(t["sourceType"], expected, "exclude_prior_month = {exclude}");
    }
}

/// The canonical `Transaction` carries what the 271 says about the plan, the payer's contacts and
/// the patient's relationship and address, not only names and benefits.
#[tokio::test]
async fn the_transaction_carries_plan_payer_contacts_and_relationship_from_the_271() {
    let app = spawn_app(|_| {}).await;
    let res = app
        .raw_sent(
            "/rcm/eligibility/v1/real-time/x12",
            &crate::helpers::member_inquiry(),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let id = txn_id(&res);
    let posted: Value = res.json().await.unwrap();
    let x12 = posted["x12-271"].as_str().unwrap().to_owned();
    let plan = &posted["plan"];
    // Each value is the 271's own: its REF*18/6P and DTP*291 and 2100A PER.
    let number = plan["number"].as_str().expect("plan.number");
    assert!(x12.contains(&format!("REF*18*{number}")), "{plan}");
    let group = plan["groupOrPolicyNumber"].as_str().expect("group number");
    assert!(x12.contains(&format!("REF*6P*{group}")), "{plan}");
    assert_eq!(plan["group"]["number"], group);
    let begin = plan["beginDate"].as_str().expect("plan.beginDate");
    assert!(
        x12.contains(&format!("DTP*291*RD8*{}", begin.replace('-', ""))),
        "{plan}"
    );
    let phone = posted["payer"]["phone"].as_str().expect("payer.phone");
    assert!(x12.contains(&format!("TE*{phone}")), "{}", posted["payer"]);
    assert_eq!(
        posted["subscriber"]["relationship"], "self",
        "{}",
        posted["subscriber"]
    );
    // The stored transaction renders the same.
    let stored = app.stored(&id).await;
    assert_eq!(stored["plan"], *plan);
    assert_eq!(stored["payer"], posted["payer"]);
}

/// Mapping stored 271s again is CPU work: a page whose stored X12 is larger than what is checked
/// inline is rendered in the CPU pool, so it waits while the pool is held and answers after.
#[tokio::test]
async fn a_large_page_of_transactions_is_rendered_in_the_cpu_pool() {
    let app = spawn_app(|s| s.validation.cpu_workers = 1).await;
    // Each record holds a 270 and a 271 (about 1 KB together for an unknown member): 40 pass
    // the 16 KB inline bound.
    let mut last = String::new();
    for n in 0..40 {
        last = txn_id(&app.raw_sent(RAW, &member(300 + n, "POOLED"), &[]).await);
    }
    app.stored(&last).await;
    let hold = app.state.cpu.hold();
    let search = {
        let (client, url) = (
            app.client().clone(),
            format!("{}{TXNS}?patientLastName=pooled&limit=40", app.base),
        );
        tokio::spawn(async move {
            let res = client
                .get(url)
                .header("Authorization", DEMO_KEY)
                .send()
                .await
                .expect("GET");
            (res.status(), res.json::<Value>().await.expect("JSON"))
        })
    };
    let mut running = false;
    for _ in 0..2000 {
        if app.state.cpu.running() == 1 {
            running = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(running, "the page is rendered in the pool");
    assert!(
        !search.is_finished(),
        "and is not answered while the pool is held"
    );
    // One record alone is rendered where it is read, pool held or not.
    let one = app.stored(&last).await;
    assert_eq!(one["id"], last.as_str());
    drop(hold);
    let (status, page) = search.await.expect("search");
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.as_array().map(Vec::len), Some(40), "{page}");
    assert!(
        page.as_array()
            .unwrap()
            .iter()
            .all(|t| t["patient"]["lastName"] == "POOLED")
    );
    assert_eq!(app.state.cpu.running(), 0);
}

#[tokio::test]
async fn answers_given_together_are_stored_in_groups_and_each_reads_back() {
    answered_together_on(None).await;
}

#[tokio::test]
async fn answers_given_together_are_stored_in_groups_and_each_reads_back_on_postgres() {
    answered_together_on(Some(postgres::fresh_database().await)).await;
}

/// Sends a different 270 for each member number in `members` at once (last name `last`): the
/// ids answered, with their member numbers.
async fn sent_together(
    app: &TestApp,
    members: std::ops::Range<u32>,
    last: &'static str,
) -> Vec<(u32, String)> {
    let mut calls = tokio::task::JoinSet::new();
    for n in members {
        let (client, url) = (app.client().clone(), format!("{}{RAW}", app.base));
        calls.spawn(async move {
            let res = client
                .post(url)
                .header("Authorization", DEMO_KEY)
                .json(&json!({ "x12": member(n, last) }))
                .send()
                .await
                .expect("POST");
            assert_eq!(res.status(), StatusCode::OK);
            (n, txn_id(&res))
        });
    }
    calls.join_all().await
}

/// An app on a fresh SQLite file, or on `postgres` with the key in `key`.
async fn spawn_app_on(postgres: Option<&str>, key: &SecretFile) -> TestApp {
    spawn_app(|s| {
        if let Some(url) = postgres {
            url.clone_into(&mut s.store.url);
            s.store.encryption_key_file = key.path();
        }
    })
    .await
}

/// Concurrent answers land in one batch, which the writer seals in group rows (one account's
/// records as one value, listed beside it): each still reads back as its own transaction, alone
/// and in a page.
async fn answered_together_on(postgres: Option<String>) {
    const SENT: u32 = 24;
    const GROUPED: &str = "SELECT COUNT(*) FROM transaction_groups";
    let key = key_file();
    let app = spawn_app_on(postgres.as_deref(), &key).await;
    let sent = sent_together(&app, 700..700 + SENT, "TOGETHER").await;
    for (n, id) in &sent {
        let t = app.stored(id).await;
        assert_eq!(t["id"], id.as_str());
        assert_eq!(t["patient"]["lastName"], "TOGETHER");
        assert_eq!(t["patient"]["memberId"], format!("MBR{n:08}"));
    }
    let res = app
        .get_with(
            &format!("{TXNS}?patientLastName=together&limit=30"),
            DEMO_KEY,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    let page = page.as_array().expect("a page");
    assert_eq!(page.len(), SENT as usize);
    for t in page {
        let (n, _) = sent
            .iter()
            .find(|(_, id)| t["id"] == id.as_str())
            .expect("one sent");
        assert_eq!(t["patient"]["memberId"], format!("MBR{n:08}"));
    }
    // Fewer group rows than records: records were sealed together.
    let grouped: i64 = match &postgres {
        Some(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            // Groups stay in their row: nothing was moved out to the TOAST table.
            let toasted: i64 = sqlx::query_scalar(
                "SELECT pg_relation_size(reltoastrelid) FROM pg_class \
                 WHERE relname = 'transaction_groups'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!(toasted, 0, "a group was toasted");
            sqlx::query_scalar(GROUPED).fetch_one(&pool).await.unwrap()
        }
        None => rusqlite::Connection::open(app.data.0.join("gateway.db"))
            .unwrap()
            .query_row(GROUPED, [], |r| r.get(0))
            .unwrap(),
    };
    assert!(
        (1..i64::from(SENT)).contains(&grouped),
        "{grouped} group rows for {SENT} records"
    );
}

#[tokio::test]
async fn rows_written_before_time_keys_read_after_migration_0006() {
    upgraded_on(None).await;
}

#[tokio::test]
async fn rows_written_before_time_keys_read_after_migration_0006_on_postgres() {
    upgraded_on(Some(postgres::fresh_database().await)).await;
}

/// The table as migrations 0001–0005 leave it (a primary key on id, no `group_ms` or
/// `id_lookup`), holding the rows now in `t6` as a version before 0006 wrote them.
fn before_0006(postgres: bool) -> String {
    let columns = "id, account, processed_ms, route, status, source_type, source_id, \
        correlation_id, payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h, \
        account_number_h, mrn_h, dedup_h, key_id, sealed, group_id, part";
    [
        "ALTER TABLE transactions RENAME TO t6;",
        "DROP INDEX transactions_account_time;",
        "DROP INDEX transactions_id;",
        "DROP INDEX transactions_dedup;",
        include_str!("../../migrations/0001_transactions.sql"),
        include_str!("../../migrations/0002_dedup_partial.sql"),
        include_str!("../../migrations/0003_drop_time_index.sql"),
        include_str!("../../migrations/0004_groups.sql"),
        if postgres {
            include_str!("../../migrations/0005_inline_groups.postgres.sql")
        } else {
            include_str!("../../migrations/0005_inline_groups.sqlite.sql")
        },
        // Their ids were made as their requests came in, a little before they were processed.
        &format!(
            "INSERT INTO transactions ({columns}) SELECT {} FROM t6;",
            columns.replace("processed_ms", "processed_ms + 1")
        ),
        "DROP TABLE t6;",
        "DELETE FROM _sqlx_migrations WHERE version = 6;",
    ]
    .join("\n")
}

/// Rows written before 0006 (grouped and alone) read after it: by id, and in a page; and
/// what is recorded after it reads beside them.
async fn upgraded_on(postgres: Option<String>) {
    const SENT: u32 = 12;
    const LEGACY: &str = "SELECT COUNT(*) FROM transactions \
        WHERE id_lookup = 1 AND group_ms IS NULL";
    const GROUPED: &str = "SELECT COUNT(*) FROM transactions WHERE group_id <> id";
    let key = key_file();
    let on = |s: &mut Settings, url: Option<&str>| {
        if let Some(url) = url {
            url.clone_into(&mut s.store.url);
        }
        // Records with a deduplication key are written to `transactions`, the table 0006 changed.
        s.deduplication.lookback_hours = 1;
        if postgres.is_some() {
            s.store.encryption_key_file = key.path();
        }
    };
    let app = spawn_app(|s| on(s, postgres.as_deref())).await;
    let sent = sent_together(&app, 800..800 + SENT, "UPGRADED").await;
    for (_, id) in &sent {
        app.stored(id).await;
    }
    // The first gateway stops; its data directory stays.
    let TestApp { data, .. } = app;
    let url = postgres
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/gateway.db", data.0.display()));
    let (legacy, grouped): (i64, i64) = if let Some(url) = &postgres {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::raw_sql(&before_0006(true))
            .execute(&pool)
            .await
            .unwrap();
        let app = spawn_app(|s| on(s, Some(url))).await;
        let counts = (
            sqlx::query_scalar(LEGACY).fetch_one(&pool).await.unwrap(),
            sqlx::query_scalar(GROUPED).fetch_one(&pool).await.unwrap(),
        );
        check_upgraded(&app, &sent).await;
        counts
    } else {
        let db = rusqlite::Connection::open(data.0.join("gateway.db")).unwrap();
        db.execute_batch(&before_0006(false)).unwrap();
        let app = spawn_app(|s| on(s, Some(&url))).await;
        let counts = (
            db.query_row(LEGACY, [], |r| r.get(0)).unwrap(),
            db.query_row(GROUPED, [], |r| r.get(0)).unwrap(),
        );
        check_upgraded(&app, &sent).await;
        counts
    };
    // Every row went through the migration as one written before it, groups among them.
    assert_eq!(legacy, i64::from(SENT));
    assert!(grouped > 0, "no record was sealed in a group");
}

async fn check_upgraded(app: &TestApp, sent: &[(u32, String)]) {
    for (n, id) in sent {
        let t = app.stored(id).await;
        assert_eq!(t["patient"]["memberId"], format!("MBR{n:08}"));
    }
    let after = txn_id(&app.raw_sent(RAW, &member(899, "UPGRADED"), &[]).await);
    app.stored(&after).await;
    let res = app
        .get_with(
            &format!("{TXNS}?patientLastName=upgraded&limit=30&returnTotalCount=true"),
            DEMO_KEY,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["x-total-count"], (sent.len() + 1).to_string());
    let page: Value = res.json().await.unwrap();
    let page = page.as_array().expect("a page");
    assert_eq!(page.len(), sent.len() + 1);
    for t in page {
        let n = sent
            .iter()
            .find(|(_, id)| t["id"] == id.as_str())
            .map_or(899, |(n, _)| *n);
        assert_eq!(t["patient"]["memberId"], format!("MBR{n:08}"));
    }
}

/// PostgreSQL plans from statistics, and a new table has none until autovacuum's first pass
/// (a minute or more away): plans cached before then stay. Once a replica has written its
/// first records it analyses the table itself, and the duplicate lookup's cached (generic)
/// plan then finds the original by its hash in the deduplication index and its group's holder
/// by its full key, rather than walk the account's window.
#[tokio::test]
async fn postgres_has_statistics_of_a_new_table_once_its_first_records_are_written() {
    const ANALYSED: &str = "SELECT COUNT(*) FROM pg_class \
        WHERE relname = 'transactions' AND reltuples > 0";
    let url = postgres::fresh_database().await;
    let key = key_file();
    let app = spawn_app(|s| {
        s.store.url.clone_from(&url);
        s.store.encryption_key_file = key.path();
        s.deduplication.lookback_hours = 1;
    })
    .await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    // Only the gateway may analyse it here.
    sqlx::raw_sql("ALTER TABLE transactions SET (autovacuum_enabled = false)")
        .execute(&pool)
        .await
        .unwrap();
    let analysed = || async {
        sqlx::query_scalar::<_, i64>(ANALYSED)
            .fetch_one(&pool)
            .await
            .unwrap()
            == 1
    };
    assert!(!analysed().await, "a new table has no statistics");
    let written = u32::try_from(eligibility_gateway::store::STATISTICS_AFTER).unwrap();
    for from in (0..written).step_by(32) {
        sent_together(&app, 2000 + from..2000 + from + 32, "STATISTICS").await;
    }
    // The analysis runs beside the writer, after the batch that reached the count.
    let mut waited = 0;
    while !analysed().await {
        waited += 1;
        assert!(waited < 400, "no statistics 20 s after {written} records");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut conn = pool.acquire().await.unwrap();
    let plan: Vec<String> = sqlx::raw_sql(
        "SET plan_cache_mode = force_generic_plan; \
         PREPARE dup(text, bytea, bytea, bigint) AS SELECT t.id, h.sealed \
         FROM transactions t LEFT JOIN transactions h ON h.account = t.account \
         AND h.processed_ms = t.group_ms AND h.id = t.group_id AND h.id <> t.id \
         WHERE t.account = $1 AND t.dedup_h IN ($2, $3) AND t.dedup_h IS NOT NULL \
         AND t.processed_ms >= $4 ORDER BY t.processed_ms + 0 DESC LIMIT 1; \
         EXPLAIN EXECUTE dup('demo', '\\x00', '\\x01', 0)",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| sqlx::Row::get::<String, _>(r, 0))
    .collect();
    let plan = plan.join("\n");
    let after = |step: &str| {
        plan.split_once(step)
            .and_then(|(_, rest)| rest.lines().nth(1))
            .unwrap_or_default()
            .to_owned()
    };
    let original = after("Index Scan using transactions_dedup on transactions t");
    assert!(
        original.contains("Index Cond") && original.contains("dedup_h"),
        "the original not found by its hash:\n{plan}"
    );
    let holder = after("on transactions h");
    assert!(
        holder.contains("group_ms") && holder.contains("group_id"),
        "the holder not found by its key:\n{plan}"
    );
}

#[tokio::test]
async fn searches_page_through_many_group_rows() {
    paged_on(None).await;
}

#[tokio::test]
async fn searches_page_through_many_group_rows_on_postgres() {
    paged_on(Some(postgres::fresh_database().await)).await;
}

/// Answers read back one at a time are each written alone, each a group row of its own: more
/// than a search reads at once (64). Pages anywhere in them, in either order, with the total,
/// list what was sent in order, and a search by member ID finds its one record among them.
async fn paged_on(postgres: Option<String>) {
    const SENT: usize = 140;
    let key = key_file();
    let app = spawn_app_on(postgres.as_deref(), &key).await;
    let mut ids = Vec::new();
    for n in 0..SENT {
        let n = u32::try_from(n).unwrap();
        let id = txn_id(&app.raw_sent(RAW, &member(900 + n, "PAGED"), &[]).await);
        app.stored(&id).await;
        ids.push(id);
    }
    let newest: Vec<&String> = ids.iter().rev().collect();
    let oldest: Vec<&String> = ids.iter().collect();
    for (sort, offset, order) in [
        ("-processedDate", 0, &newest),
        ("-processedDate", 62, &newest),
        ("-processedDate", 126, &newest),
        ("processedDate", 0, &oldest),
        ("processedDate", 63, &oldest),
        ("processedDate", 137, &oldest),
    ] {
        let res = app
            .get_with(
                &format!(
                    "{TXNS}?patientLastName=paged&limit=5&offset={offset}&sort={sort}\
                     &returnTotalCount=true"
                ),
                DEMO_KEY,
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-total-count"], SENT.to_string());
        let page: Value = res.json().await.unwrap();
        let got: Vec<&str> = page
            .as_array()
            .expect("a page")
            .iter()
            .map(|t| t["id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = order
            .iter()
            .skip(offset)
            .take(5)
            .map(|s| s.as_str())
            .collect();
        assert_eq!(got, want, "sort={sort} offset={offset}");
    }
    let res = app
        .get_with(&format!("{TXNS}?memberId=MBR00000977"), DEMO_KEY)
        .await;
    let page: Value = res.json().await.unwrap();
    let page = page.as_array().expect("a page");
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["id"], ids[77].as_str());
}
