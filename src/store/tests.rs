//! The store on a fresh SQLite file per test: round trips, tenancy, search, duplicates, purge,
//! rotation, and no PHI in the file.

use super::*;
use crate::config::Settings;
use sqlx::Row as _;

const PHI_LAST: &str = "QUIXOTEZZ";
const PHI_MEMBER: &str = "MBR77441122";
const PHI_BIRTH: &str = "1961-03-17";

fn settings(dir: &std::path::Path) -> crate::config::StoreSettings {
    let mut s = Settings::defaults().unwrap().store;
    s.url = format!("sqlite://{}/gateway.db", dir.display());
    s.timeout_ms = 5000;
    s
}

/// A fresh directory, removed on drop.
struct TempDir(std::path::PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    let d = std::env::temp_dir().join(format!("eg-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn transaction(account: &str, ms: i64, status: &str) -> Transaction {
    Transaction {
        id: id_at(ms),
        account: account.into(),
        processed_ms: ms,
        route: "/rcm/eligibility/v1".into(),
        status: status.into(),
        source_type: "new".into(),
        source_id: None,
        correlation_id: Some("corr-1".into()),
        payer_id: Some("Aetna1".into()),
        npi: Some("1234567893".into()),
        details: Details {
            patient: Person {
                first_name: Some("Dulcinea".into()),
                last_name: Some(PHI_LAST.into()),
                member_id: Some(PHI_MEMBER.into()),
                birth_date: Some(PHI_BIRTH.into()),
                ..Person::default()
            },
            x12_270: Some(format!(
                "ISA*…~NM1*IL*1*{PHI_LAST}*DULCINEA****MI*{PHI_MEMBER}~"
            )),
            http_status: 200,
            ..Details::default()
        },
    }
}

async fn opened(dir: &std::path::Path) -> Store {
    open(&settings(dir), &no_env).await.unwrap().unwrap()
}

async fn put(store: &Store, t: &Transaction, dedup: Option<&str>) {
    store
        .record(&NewTransaction {
            transaction: t.clone(),
            dedup_key: dedup.map(str::to_owned),
            searched: None,
        })
        .await
        .unwrap();
}

/// Writes `ts` as the recorder writes a batch: each account's records sealed in groups.
async fn put_together(store: &Store, ts: &[Transaction]) {
    let records: Vec<NewTransaction> = ts
        .iter()
        .map(|t| NewTransaction {
            transaction: t.clone(),
            dedup_key: Some(t.id.clone()),
            searched: None,
        })
        .collect();
    let records = records.into_iter().map(|r| store.pack(r)).collect();
    let sealed = store.seal_batch(records);
    assert!(sealed.failed.is_empty(), "{:?}", sealed.failed);
    store.write(sealed.rows, sealed.groups).await.unwrap();
}

/// Each row's account, group, part, time and sealed length.
async fn layout(store: &Store) -> Vec<(String, String, Option<String>, Option<i64>, i64, i64)> {
    sqlx::query_as(
        "SELECT id, account, group_id, part, processed_ms, LENGTH(sealed) FROM transactions",
    )
    .fetch_all(&store.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn records_written_together_are_sealed_in_groups_and_each_reads_back() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    // Two accounts interleaved, 271s large enough that each account needs several groups.
    let body = "EB*1*IND*30**GOLD PLAN~".repeat(200);
    let ts: Vec<Transaction> = (0..24)
        .map(|i| {
            let mut t = transaction(if i % 2 == 0 { "a" } else { "b" }, 1_000 + i, "eligible");
            t.details.x12_271 = Some(format!("{body}{i}"));
            t
        })
        .collect();
    put_together(&store, &ts).await;
    for t in &ts {
        assert_eq!(
            store.get(&t.account, &t.id).await.unwrap().as_ref(),
            Some(t)
        );
        let other = if t.account == "a" { "b" } else { "a" };
        assert_eq!(
            store.get(other, &t.id).await.unwrap(),
            None,
            "another account"
        );
        let dup = store.find_duplicate(&t.account, &t.id, 0).await.unwrap();
        assert_eq!(dup.as_ref(), Some(t));
    }
    let (found, total) = store
        .search(
            "a",
            &Query {
                limit: 100,
                count: true,
                order: Order::OldestFirst,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    let mine: Vec<Transaction> = ts.iter().filter(|t| t.account == "a").cloned().collect();
    assert_eq!(found, mine);
    assert_eq!(total, Some(12));
    // Several groups an account, none across accounts, each in its newest record's row.
    let rows = layout(&store).await;
    for account in ["a", "b"] {
        let mut holders: Vec<&String> = rows
            .iter()
            .filter(|r| r.1 == account)
            .map(|r| r.2.as_ref().unwrap())
            .collect();
        holders.dedup();
        assert!(holders.len() >= 2, "{account}: {} group(s)", holders.len());
        for h in holders {
            let members: Vec<_> = rows.iter().filter(|r| r.2.as_ref() == Some(h)).collect();
            let holder = rows.iter().find(|r| &r.0 == h).unwrap();
            assert!(members.iter().all(|m| m.1 == account));
            assert_eq!(holder.4, members.iter().map(|m| m.4).max().unwrap());
            assert!(holder.5 > 0);
            assert!(members.iter().filter(|m| m.0 != *h).all(|m| m.5 == 0));
        }
    }
    let keyed: Vec<(String, String)> =
        sqlx::query_as("SELECT id, group_id FROM transactions WHERE key_id <> ''")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert!(!keyed.is_empty());
    assert!(
        keyed.iter().all(|(id, g)| id == g),
        "only holders name a key"
    );
}

#[tokio::test]
async fn a_grouped_row_pointed_elsewhere_does_not_read() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let a: Vec<Transaction> = (0..3)
        .map(|i| transaction("a", 1_000 + i, "eligible"))
        .collect();
    let b: Vec<Transaction> = (0..3)
        .map(|i| transaction("b", 1_000 + i, "eligible"))
        .collect();
    put_together(&store, &a).await;
    put_together(&store, &b).await;
    // Another record's part of the same group: refused, not answered with its details.
    sqlx::query("UPDATE transactions SET part = (part + 1) % 3 WHERE id = $1")
        .bind(&a[0].id)
        .execute(&store.pool)
        .await
        .unwrap();
    let err = store.get("a", &a[0].id).await.unwrap_err();
    assert!(matches!(err, StoreError::Frame(_)), "{err}");
    // Another account's group copied over this account's: it does not open.
    sqlx::query(
        "UPDATE transactions SET sealed = (SELECT sealed FROM transactions WHERE id = $1) \
         WHERE id = $2",
    )
    .bind(&a[2].id)
    .bind(&b[2].id)
    .execute(&store.pool)
    .await
    .unwrap();
    let err = store.get("b", &b[0].id).await.unwrap_err();
    assert!(matches!(err, StoreError::Crypto(_)), "{err}");
    assert_eq!(
        store.get("a", &a[1].id).await.unwrap().as_ref(),
        Some(&a[1])
    );
}

#[tokio::test]
async fn purging_part_of_a_group_keeps_the_rest_readable() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let ts: Vec<Transaction> = [1_000, 9_000, 2_000]
        .into_iter()
        .map(|ms| transaction("a", ms, "eligible"))
        .collect();
    put_together(&store, &ts).await;
    assert_eq!(store.purge(5_000).await.unwrap(), 2);
    assert_eq!(
        store.get("a", &ts[1].id).await.unwrap().as_ref(),
        Some(&ts[1])
    );
    assert_eq!(store.purge(10_000).await.unwrap(), 1);
    assert!(layout(&store).await.is_empty());
}

async fn page_size(store: &Store) -> i64 {
    sqlx::query("PRAGMA page_size")
        .fetch_one(&store.pool)
        .await
        .unwrap()
        .get(0)
}

/// A new file gets 16 KB pages; a file made before keeps its own (and opens as it was).
#[tokio::test]
async fn a_new_sqlite_file_has_16_kb_pages_and_an_old_one_keeps_its_own() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    assert_eq!(page_size(&store).await, 16_384);
    store.close().await;
    let old = temp_dir();
    let conn = rusqlite::Connection::open(old.join("gateway.db")).unwrap();
    conn.execute_batch("PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE before (x);")
        .unwrap();
    drop(conn);
    let store = opened(&old).await;
    assert_eq!(page_size(&store).await, 4_096);
    let t = transaction("a", 1_000, "eligible");
    put(&store, &t, None).await;
    assert_eq!(store.get("a", &t.id).await.unwrap(), Some(t));
    store.close().await;
}

#[tokio::test]
async fn records_round_trip_within_their_account_only() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let t = transaction("a", 1_000, "eligible");
    put(&store, &t, None).await;
    assert_eq!(store.get("a", &t.id).await.unwrap(), Some(t.clone()));
    assert_eq!(
        store.get("b", &t.id).await.unwrap(),
        None,
        "another account"
    );
    let (found, total) = store
        .search(
            "b",
            &Query {
                limit: 30,
                count: true,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert!(found.is_empty());
    assert_eq!(total, Some(0));
}

/// As the exchange flow records: the people are the 270's, and what searches match on was hashed
/// as the 270 was read.
#[tokio::test]
async fn a_record_whose_people_are_the_270s_is_found_by_what_was_hashed() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let mut t = transaction("a", 1_000, "eligible");
    t.details.patient = Person::default();
    t.details.people_in_270 = true;
    let searched = store.search_hashes(&Searched {
        first_name: Some("dulcinea"),
        last_name: Some(PHI_LAST),
        member_id: Some(PHI_MEMBER),
        birth_date: Some(PHI_BIRTH),
        account_number: Some("ACCT 9"),
        medical_record_number: None,
    });
    store
        .record(&NewTransaction {
            transaction: t.clone(),
            dedup_key: None,
            searched: Some(searched),
        })
        .await
        .unwrap();
    assert_eq!(store.get("a", &t.id).await.unwrap(), Some(t.clone()));
    let queries = [
        Query {
            patient_first_name: Some("DULCINEA".into()),
            ..Query::default()
        },
        Query {
            patient_last_name: Some(PHI_LAST.to_lowercase()),
            ..Query::default()
        },
        Query {
            member_id: Some(PHI_MEMBER.into()),
            ..Query::default()
        },
        Query {
            patient_birth_date: Some(PHI_BIRTH.into()),
            ..Query::default()
        },
        Query {
            patient_account_number: Some("acct  9".into()),
            ..Query::default()
        },
    ];
    for q in queries {
        let q = Query { limit: 5, ..q };
        let (found, _) = store.search("a", &q).await.unwrap();
        assert_eq!(found, vec![t.clone()], "{q:?}");
    }
    let none = Query {
        limit: 5,
        medical_record_number: Some("ACCT 9".into()),
        ..Query::default()
    };
    assert!(store.search("a", &none).await.unwrap().0.is_empty());
}

#[tokio::test]
async fn the_file_holds_no_phi_in_clear() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    put(&store, &transaction("a", 1_000, "eligible"), Some("KEY")).await;
    let together: Vec<Transaction> = (0..3)
        .map(|i| transaction("g", 2_000 + i, "eligible"))
        .collect();
    put_together(&store, &together).await;
    store.close().await;
    let mut bytes = std::fs::read(dir.join("gateway.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.join("gateway.db-wal")) {
        bytes.extend(wal);
    }
    assert!(bytes.windows(4).any(|w| w == b"corr"), "the file was read");
    for phi in [
        PHI_LAST, PHI_MEMBER, PHI_BIRTH, "19610317", "DULCINEA", "Dulcinea",
    ] {
        assert!(
            !bytes.windows(phi.len()).any(|w| w == phi.as_bytes()),
            "{phi} is in the database file"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("store.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn search_matches_each_field_and_pages() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    for i in 0..5 {
        put(&store, &transaction("a", 1_000 + i, "eligible"), None).await;
    }
    let mut other = transaction("a", 2_000, "ineligible");
    other.details.patient.last_name = Some("Panza".into());
    other.payer_id = Some("CIGNA".into());
    put(&store, &other, None).await;
    let q = |f: &dyn Fn(&mut Query)| {
        let mut q = Query {
            limit: 30,
            count: true,
            ..Query::default()
        };
        f(&mut q);
        q
    };
    let count = |q: Query| {
        let store = &store;
        async move { store.search("a", &q).await.unwrap().1.unwrap() }
    };
    assert_eq!(count(q(&|_| {})).await, 6);
    assert_eq!(
        count(q(&|q| q.patient_last_name = Some("quixotezz ".into()))).await,
        5
    );
    assert_eq!(
        count(q(&|q| q.patient_last_name = Some("panza".into()))).await,
        1
    );
    assert_eq!(
        count(q(&|q| q.member_id = Some(PHI_MEMBER.into()))).await,
        6
    );
    assert_eq!(
        count(q(&|q| q.patient_birth_date = Some(PHI_BIRTH.into()))).await,
        6
    );
    assert_eq!(count(q(&|q| q.payer_id = Some("cigna".into()))).await, 1);
    assert_eq!(
        count(q(&|q| q.statuses = vec!["ineligible".into(), "x".into()])).await,
        1
    );
    assert_eq!(count(q(&|q| q.start_ms = Some(1_003))).await, 3);
    assert_eq!(count(q(&|q| q.end_ms = Some(1_001))).await, 2);
    assert_eq!(count(q(&|q| q.npi = Some("1234567893".into()))).await, 6);
    assert_eq!(
        count(q(&|q| q.correlation_id = Some("nope".into()))).await,
        0
    );
    let (page, _) = store
        .search(
            "a",
            &Query {
                limit: 2,
                offset: 1,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    let times: Vec<i64> = page.iter().map(|t| t.processed_ms).collect();
    assert_eq!(times, [1_004, 1_003], "newest first, after the first");
    let (page, _) = store
        .search(
            "a",
            &Query {
                limit: 2,
                order: Order::OldestFirst,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        page.iter().map(|t| t.processed_ms).collect::<Vec<_>>(),
        [1_000, 1_001]
    );
}

#[tokio::test]
async fn duplicates_match_key_account_window_and_answered_outcomes() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let failed = transaction("a", 5_000, "payer_unavailable");
    put(&store, &failed, Some("K")).await;
    assert_eq!(
        store.find_duplicate("a", "K", 0).await.unwrap(),
        None,
        "not replayed"
    );
    let answered = transaction("a", 4_000, "ineligible");
    put(&store, &answered, Some("K")).await;
    assert_eq!(
        store.find_duplicate("a", "K", 0).await.unwrap().unwrap().id,
        answered.id
    );
    assert_eq!(
        store.find_duplicate("a", "K", 4_001).await.unwrap(),
        None,
        "window"
    );
    assert_eq!(
        store.find_duplicate("b", "K", 0).await.unwrap(),
        None,
        "account"
    );
    assert_eq!(
        store.find_duplicate("a", "k2", 0).await.unwrap(),
        None,
        "key"
    );
}

#[tokio::test]
async fn purge_deletes_only_older_rows_of_every_account() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    // Accounts that sort apart, one with nothing old: the walk over accounts finds each.
    let mut kept = Vec::new();
    let mut purged = Vec::new();
    for account in ["a", "b", "demo", "zz-last"] {
        let new = transaction(account, 9_000, "eligible");
        put(&store, &new, None).await;
        kept.push(new);
        if account != "b" {
            let old = transaction(account, 1_000, "eligible");
            put(&store, &old, None).await;
            purged.push(old);
        }
    }
    assert_eq!(store.purge(5_000).await.unwrap(), 3);
    for t in &purged {
        assert_eq!(store.get(&t.account, &t.id).await.unwrap(), None);
    }
    for t in &kept {
        assert!(store.get(&t.account, &t.id).await.unwrap().is_some());
    }
    assert_eq!(store.purge(5_000).await.unwrap(), 0);
}

#[tokio::test]
async fn rotated_keys_still_read_and_match_old_rows() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let t = transaction("a", 1_000, "eligible");
    put(&store, &t, Some("K")).await;
    store.close().await;
    let old_key = dir.join("store.key");
    let new_key = dir.join("new.key");
    std::fs::write(&new_key, crypto::random_secret().unwrap()).unwrap();
    let mut s = settings(&dir);
    s.encryption_key_file = new_key.display().to_string();
    s.decryption_key_files = vec![old_key.display().to_string()];
    let rotated = open(&s, &no_env).await.unwrap().unwrap();
    assert_eq!(rotated.get("a", &t.id).await.unwrap(), Some(t.clone()));
    assert!(rotated.find_duplicate("a", "K", 0).await.unwrap().is_some());
    let (found, _) = rotated
        .search(
            "a",
            &Query {
                limit: 5,
                member_id: Some(PHI_MEMBER.into()),
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    s.decryption_key_files.clear();
    let forgot = open(&s, &no_env).await.unwrap().unwrap();
    let err = forgot.get("a", &t.id).await.unwrap_err();
    assert!(err.to_string().contains("decryption_key_files"), "{err}");
}

#[tokio::test]
async fn bad_settings_stop_start_up_naming_the_key() {
    let dir = temp_dir();
    let mut s = settings(&dir);
    s.url = "postgres://127.0.0.1:1/x".into();
    let err = open(&s, &no_env).await.unwrap_err().to_string();
    assert!(err.contains("store.encryption_key_env"), "{err}");
    let key = dir.join("short.key");
    std::fs::write(&key, "c2hvcnQ=").unwrap();
    let mut s = settings(&dir);
    s.encryption_key_file = key.display().to_string();
    let err = open(&s, &no_env).await.unwrap_err().to_string();
    assert!(
        err.contains("store.encryption_key_file") && err.contains("32 bytes"),
        "{err}"
    );
    let mut s = settings(&dir);
    s.url = "mysql://x".into();
    let err = open(&s, &no_env).await.unwrap_err().to_string();
    assert!(err.contains("`store.url`"), "{err}");
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Whatever a request carries comes back from the store unchanged (sealed, hashed, read).
        #[test]
        fn any_transaction_round_trips_through_encryption_unchanged(
            first in "\\PC{0,30}",
            last in "\\PC{0,30}",
            member in "\\PC{0,30}",
            x12 in "\\PC{0,300}",
            response in "\\PC{0,300}",
            warnings in proptest::collection::vec("\\PC{0,40}", 0..4),
        ) {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let dir = temp_dir();
                let store = opened(&dir).await;
                let mut t = transaction("acct", 1_000, "eligible");
                t.details.patient.first_name = Some(first.clone());
                t.details.patient.last_name = Some(last.clone());
                t.details.patient.member_id = Some(member.clone());
                t.details.x12_270 = Some(x12.clone());
                t.details.response = Some(response.clone());
                t.details.warnings = warnings.clone();
                put(&store, &t, Some(&x12)).await;
                assert_eq!(store.get("acct", &t.id).await.unwrap(), Some(t.clone()));
                // And sealed in a group, between two others.
                let mut together = vec![transaction("acct", 1, "eligible"), t.clone(), transaction("acct", 2, "eligible")];
                together[1].id = uuid::Uuid::new_v4().to_string();
                put_together(&store, &together).await;
                for g in &together {
                    assert_eq!(store.get("acct", &g.id).await.unwrap().as_ref(), Some(g));
                }
                if !last.trim().is_empty() {
                    let (found, _) = store
                        .search("acct", &Query { limit: 5, patient_last_name: Some(last.to_lowercase()), ..Query::default() })
                        .await
                        .unwrap();
                    // Case-insensitive matching folds ASCII only.
                    if last.is_ascii() {
                        assert_eq!(found.len(), 2);
                    }
                }
                store.close().await;
            });
        }
    }
}

/// One whole-number metric's value in the text exposition of `r`, summed over labels (0 when
/// absent).
fn exposed(r: &prometheus_client::registry::Registry, name: &str) -> u64 {
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, r).unwrap();
    text.lines()
        .filter_map(|l| l.strip_prefix(name))
        .filter_map(|rest| {
            rest.trim_start_matches(|c| c != ' ')
                .trim()
                .parse::<u64>()
                .ok()
        })
        .sum()
}

#[tokio::test]
async fn a_burst_of_records_is_written_in_batches_and_none_is_lost() {
    const SENT: u64 = super::recorder::BATCH as u64 * 5 / 2; // three batches
    let dir = temp_dir();
    let metrics = StoreMetrics::default();
    let mut registry = prometheus_client::registry::Registry::default();
    metrics.register(&mut registry);
    let recorder = Recorder::start(opened(&dir).await, 4096, 30, metrics, Box::new(|_| {}));
    // The test's runtime has one thread: every record is queued before the writer runs, so it
    // finds the whole burst waiting.
    for i in 0..SENT {
        let ms = 1_000 + i64::try_from(i).unwrap();
        recorder.record(NewTransaction {
            transaction: transaction("burst", ms, "eligible"),
            dedup_key: Some(format!("key-{i}")),
            searched: None,
        });
    }
    let written = "gateway_store_records_written_total";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while exposed(&registry, written) < SENT {
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {SENT} written",
            exposed(&registry, written)
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(exposed(&registry, written), SENT);
    assert_eq!(exposed(&registry, "gateway_store_errors_total"), 0);
    assert_eq!(exposed(&registry, "gateway_store_queue_depth"), 0);
    // Each batch is one observation: fewer than one per record, more than one in all.
    let batches = exposed(&registry, "gateway_store_write_duration_seconds_count");
    assert!(batches > 1 && batches < SENT, "{batches} batches");
    let (found, total) = recorder
        .store()
        .search(
            "burst",
            &Query {
                limit: 5,
                count: true,
                order: Order::OldestFirst,
                ..Query::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, Some(SENT));
    assert_eq!(found[0].processed_ms, 1_000);
    // Each row is sealed under its own id: every one opens.
    let last = recorder
        .store()
        .find_duplicate("burst", &format!("key-{}", SENT - 1), 0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.processed_ms, 1_000 + i64::try_from(SENT - 1).unwrap());
}

#[tokio::test]
async fn ids_that_do_not_name_their_time_are_still_found_by_id() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let named = transaction("a", 5_000, "eligible");
    let mut v4 = transaction("a", 5_001, "eligible");
    v4.id = uuid::Uuid::new_v4().to_string();
    let mut late = transaction("a", 5_002, "eligible");
    late.id = id_at(4_000);
    let mut text = transaction("a", 5_003, "eligible");
    text.id = "not-a-uuid".into();
    let ts = [named, v4, late, text];
    // Alone, and as members and holder of a group.
    for t in &ts {
        put(&store, t, None).await;
    }
    let grouped: Vec<Transaction> = ts
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.id = format!("{}-g", t.id);
            t.processed_ms += 10;
            t
        })
        .collect();
    put_together(&store, &grouped).await;
    for t in ts.iter().chain(&grouped) {
        assert_eq!(store.get("a", &t.id).await.unwrap().as_ref(), Some(t));
        assert_eq!(store.get("b", &t.id).await.unwrap(), None);
    }
    assert_eq!(store.get("a", &id_at(5_000)).await.unwrap(), None);
    // Only the row whose id names its time is left out of the index of ids.
    let listed: Vec<(String, Option<i64>)> =
        sqlx::query_as("SELECT id, id_lookup FROM transactions ORDER BY processed_ms, id")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    let expect: Vec<(String, Option<i64>)> = ts
        .iter()
        .chain(&grouped)
        .map(|t| (t.id.clone(), (t.id != ts[0].id).then_some(1)))
        .collect();
    assert_eq!(listed, expect);
}

#[test]
fn an_id_names_the_time_it_was_made_at() {
    for ms in [0, 1, 1_733_000_000_123, (1 << 48) - 1] {
        assert_eq!(id_ms(&id_at(ms)), Some(ms));
    }
    assert_eq!(id_ms(&uuid::Uuid::new_v4().to_string()), None);
    // Only as written: lower-case and hyphenated.
    assert_eq!(id_ms(&id_at(7).to_uppercase()), None);
    assert_eq!(id_ms(&id_at(7).replace('-', "")), None);
    assert_eq!(id_ms("not-a-uuid"), None);
}

/// What the uuid crate reads: the time of a lower-case, hyphenated v7 id.
fn id_ms_by_uuid(id: &str) -> Option<i64> {
    let u = uuid::Uuid::try_parse(id).ok()?;
    let canonical = u.get_version_num() == 7 && u.hyphenated().to_string() == id;
    let b = u.as_bytes();
    canonical.then(|| {
        let mut ms = [0u8; 8];
        ms[2..].copy_from_slice(&b[..6]);
        i64::try_from(u64::from_be_bytes(ms)).unwrap()
    })
}

proptest::proptest! {
    #[test]
    fn an_id_is_read_in_place_as_the_uuid_crate_reads_it(
        bytes in proptest::array::uniform16(proptest::prelude::any::<u8>()),
        version in 0u8..16,
        upper in proptest::prelude::any::<bool>(),
        cut in 0usize..40,
    ) {
        let mut b = bytes;
        b[6] = (b[6] & 0x0f) | (version << 4);
        let text = uuid::Uuid::from_bytes(b).hyphenated().to_string();
        let mut cases = vec![text.clone(), text.chars().take(cut).collect()];
        if upper {
            cases.push(text.to_uppercase());
        }
        for id in cases {
            proptest::prop_assert_eq!(id_ms(&id), id_ms_by_uuid(&id), "{}", id);
        }
    }
}

#[tokio::test]
async fn rows_with_whole_hashes_still_match() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let t = transaction("a", 1_000, "eligible");
    put(&store, &t, Some("K")).await;
    // As rows were written before hashes were cut to 128 bits.
    let whole = |f: &str, v: &str| store.keys.whole_hash(f, v).to_vec();
    sqlx::query(
        "UPDATE transactions SET last_name_h = $1, member_id_h = $2, birth_date_h = $3, \
         dedup_h = $4",
    )
    .bind(whole(rows::field::LAST, PHI_LAST))
    .bind(whole(rows::field::MEMBER, PHI_MEMBER))
    .bind(whole(rows::field::BIRTH, PHI_BIRTH))
    .bind(whole(rows::field::DEDUP, "K"))
    .execute(&store.pool)
    .await
    .unwrap();
    let limit = 5;
    for q in [
        Query {
            limit,
            patient_last_name: Some(PHI_LAST.to_lowercase()),
            ..Query::default()
        },
        Query {
            limit,
            member_id: Some(PHI_MEMBER.into()),
            ..Query::default()
        },
        Query {
            limit,
            patient_birth_date: Some(PHI_BIRTH.into()),
            ..Query::default()
        },
    ] {
        assert_eq!(store.search("a", &q).await.unwrap().0, vec![t.clone()]);
    }
    assert!(store.find_duplicate("a", "K", 0).await.unwrap().is_some());
    // New rows hold the cut hash.
    put(&store, &transaction("a", 2_000, "eligible"), None).await;
    let lengths: Vec<(i64,)> =
        sqlx::query_as("SELECT LENGTH(last_name_h) FROM transactions ORDER BY processed_ms")
            .fetch_all(&store.pool)
            .await
            .unwrap();
    assert_eq!(lengths, vec![(32,), (16,)]);
}

/// Each lookup goes through the index made for it. SQLite plans without statistics, so the
/// statement's shape decides: ordered by time, the duplicate lookup walked the account's whole
/// window along the time index.
#[tokio::test]
async fn each_lookup_searches_the_index_made_for_it() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let by_time = "USING INDEX transactions_account_time (account=? AND processed_ms=? AND id=?)";
    let by_id = "USING INDEX transactions_id (id=?)";
    let dedup = "USING INDEX transactions_dedup (account=? AND dedup_h=? AND processed_ms>?)";
    let groups = "INDEX transaction_groups_account_time (account=? AND last_ms";
    let (at_time, group_by_id, page) = (groups, groups, groups);
    let expect = [
        ("by time", vec![by_time, by_time, by_id]),
        ("by id", vec![by_id, by_time, by_id]),
        ("holders by time", vec![by_time]),
        ("holders by id", vec![by_id]),
        ("duplicate", vec![dedup, by_time, by_id]),
        ("group rows at a time", vec![at_time]),
        ("group rows by id", vec![group_by_id]),
        ("a page of group rows", vec![page]),
    ];
    let lookups = rows::lookups(&store.keys);
    assert_eq!(lookups.len(), expect.len());
    for ((name, f), (expected_name, indexes)) in lookups.iter().zip(expect) {
        assert_eq!(*name, expected_name);
        let sql = format!("EXPLAIN QUERY PLAN {}", f.sql);
        let plan: Vec<String> = f
            .bind(sqlx::query(&sql))
            .fetch_all(&store.pool)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .filter(|d| d.starts_with("SEARCH") || d.starts_with("SCAN"))
            .collect();
        assert_eq!(plan.len(), indexes.len(), "{name}: {plan:?}");
        for (step, index) in plan.iter().zip(indexes) {
            assert!(step.contains(index), "{name}: {step} (want {index})");
        }
    }
}

/// Writes `ts` as the recorder writes a batch of records without a deduplication key: each
/// account's in group rows.
async fn put_listed(store: &Store, ts: &[Transaction]) {
    let records = ts
        .iter()
        .map(|t| {
            store.pack(NewTransaction {
                transaction: t.clone(),
                dedup_key: None,
                searched: None,
            })
        })
        .collect();
    let sealed = store.seal_batch(records);
    assert!(sealed.failed.is_empty(), "{:?}", sealed.failed);
    assert!(
        sealed.rows.is_empty(),
        "a record without a key was written as a row"
    );
    assert_eq!(rows::records(&sealed.rows, &sealed.groups), ts.len());
    store.write(sealed.rows, sealed.groups).await.unwrap();
}

async fn table_rows(store: &Store, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

/// Varied records of `account`: `n` of them over ~`n` × 2.5 s (several group rows' spans),
/// statuses, payers, NPIs, names, correlation ids and dates of birth by turns; every `big`-th
/// with a 271 of ~20 KB, so groups fill by size as well as by time.
fn varied(account: &str, n: i64, big: i64) -> Vec<Transaction> {
    (0..n)
        .map(|i| {
            let k = usize::try_from(i).unwrap();
            // Two records a millisecond: ties are ordered by id.
            let mut t = transaction(account, 1_000_000 + (i - i % 2) * 2_500, "eligible");
            t.status = ["eligible", "ineligible", "payer_unavailable"][k % 3].into();
            t.payer_id = [Some("Aetna1"), Some("CIGNA"), None][k % 3].map(Into::into);
            t.npi = Some(format!("12345678{:02}", i % 4));
            t.correlation_id = Some(format!("corr-{}", i % 5));
            t.details.patient.last_name = Some(["Panza", PHI_LAST][k % 2].into());
            t.details.patient.first_name = (i % 7 != 0).then(|| "Sancho".into());
            t.details.patient.birth_date = Some(format!("1961-03-{:02}", 1 + i % 6));
            t.details.patient_account_number = (i % 4 == 0).then(|| format!("ACCT{}", i % 8));
            t.details.medical_record_number = (i % 5 == 0).then(|| "MRN-1".into());
            if i % big == 0 {
                t.details.x12_271 = Some(format!("{}{i}", "EB*1*IND*30**GOLD PLAN~".repeat(900)));
            }
            t
        })
        .collect()
}

#[tokio::test]
async fn records_without_a_key_are_written_as_group_rows_and_each_reads_back() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let mut ts = varied("a", 60, 2);
    ts.extend(varied("b", 20, 1));
    put_listed(&store, &ts).await;
    assert_eq!(table_rows(&store, "transactions").await, 0);
    let groups = table_rows(&store, "transaction_groups").await;
    assert!(
        (3..60).contains(&groups),
        "{groups} group rows for 80 records"
    );
    for t in &ts {
        assert_eq!(
            store.get(&t.account, &t.id).await.unwrap().as_ref(),
            Some(t)
        );
        let other = if t.account == "a" { "b" } else { "a" };
        assert_eq!(store.get(other, &t.id).await.unwrap(), None);
    }
    // An id of the same time that was never written.
    let t = &ts[7];
    assert_eq!(store.get("a", &id_at(t.processed_ms)).await.unwrap(), None);
    // No group row spans more than its window.
    let spans: Vec<(i64, i64)> = sqlx::query_as("SELECT first_ms, last_ms FROM transaction_groups")
        .fetch_all(&store.pool)
        .await
        .unwrap();
    assert!(
        spans
            .iter()
            .all(|(f, l)| f <= l && l - f <= rows::GROUP_SPAN_MS),
        "{spans:?}"
    );
}

/// Every search of listed records answers what the same search of rows does: each filter, both
/// orders, pages, totals, and an account holding some of each.
#[tokio::test]
async fn searches_of_group_rows_answer_as_searches_of_rows() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let all = varied("rows", 150, 1);
    for t in &all {
        put(&store, t, None).await;
    }
    let as_account = |account: &str, ts: &[Transaction]| -> Vec<Transaction> {
        ts.iter()
            .map(|t| Transaction {
                account: account.into(),
                ..t.clone()
            })
            .collect()
    };
    // In three batches taken by turns, as replicas write at once: group rows overlap in time,
    // and the order of their newest records is not their records' order.
    let listed = as_account("listed", &all);
    for turn in 0..3 {
        let batch: Vec<Transaction> = listed.iter().skip(turn).step_by(3).cloned().collect();
        put_listed(&store, &batch).await;
    }
    // Half and half, the listed half in two batches by turns.
    let mixed = as_account("mixed", &all);
    for t in mixed.iter().step_by(2) {
        put(&store, t, None).await;
    }
    for turn in [1, 3] {
        let batch: Vec<Transaction> = mixed.iter().skip(turn).step_by(4).cloned().collect();
        put_listed(&store, &batch).await;
    }
    let listed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM transaction_groups WHERE account = 'listed'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert!(
        listed > i64::try_from(rows::GROUP_PAGE).unwrap(),
        "{listed} group rows: one page"
    );

    let t0 = 1_000_000;
    let queries: Vec<Query> = {
        let base = |f: &dyn Fn(&mut Query)| {
            let mut q = Query {
                limit: 7,
                ..Query::default()
            };
            f(&mut q);
            q
        };
        let mut qs = vec![
            base(&|_| {}),
            base(&|q| q.count = true),
            base(&|q| q.order = Order::OldestFirst),
            base(&|q| {
                q.order = Order::OldestFirst;
                q.offset = 140;
                q.count = true;
            }),
            base(&|q| q.offset = 100),
            base(&|q| {
                q.limit = 100;
                q.offset = 30;
            }),
            base(&|q| q.start_ms = Some(t0 + 100_000)),
            base(&|q| {
                q.end_ms = Some(t0 + 200_000);
                q.order = Order::OldestFirst;
                q.offset = 3;
            }),
            base(&|q| {
                q.start_ms = Some(t0 + 50_000);
                q.end_ms = Some(t0 + 52_500);
                q.count = true;
            }),
            base(&|q| q.statuses = vec!["ineligible".into(), "payer_unavailable".into()]),
            base(&|q| q.payer_id = Some(" cigna ".into())),
            base(&|q| q.npi = Some("1234567802".into())),
            base(&|q| q.correlation_id = Some("corr-3".into())),
            base(&|q| q.patient_last_name = Some("panza".into())),
            base(&|q| q.patient_first_name = Some("SANCHO".into())),
            base(&|q| q.patient_birth_date = Some("1961-03-04".into())),
            base(&|q| q.patient_account_number = Some("ACCT4".into())),
            base(&|q| q.medical_record_number = Some("MRN-1".into())),
            base(&|q| q.member_id = Some(PHI_MEMBER.into())),
            base(&|q| q.member_id = Some("nobody".into())),
        ];
        // Pages ending on each side of where the first page of group rows ends (~128 records
        // in): where reading stops early, it stops only once nothing later can be on the page.
        for offset in 110..=140 {
            for order in [Order::NewestFirst, Order::OldestFirst] {
                qs.push(base(&|q| {
                    q.offset = offset;
                    q.limit = 3;
                    q.order = order;
                }));
            }
        }
        // Each again, counted, and oldest first.
        let more: Vec<Query> = qs
            .iter()
            .map(|q| Query {
                count: true,
                order: Order::OldestFirst,
                ..q.clone()
            })
            .collect();
        qs.extend(more);
        qs
    };
    for q in &queries {
        let (want, want_total) = store.search("rows", q).await.unwrap();
        assert!(
            !want.is_empty() || q.member_id.as_deref() == Some("nobody") || q.offset > 0,
            "{q:?} matches nothing: the comparison would prove little"
        );
        for account in ["listed", "mixed"] {
            let (got, total) = store.search(account, q).await.unwrap();
            assert_eq!(got, as_account(account, &want), "{account}: {q:?}");
            assert_eq!(total, want_total, "{account}: {q:?}");
        }
    }
}

#[tokio::test]
async fn purge_deletes_group_rows_once_their_newest_record_is_past() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let old = varied("a", 4, 100);
    let new: Vec<Transaction> = (0..3)
        .map(|i| transaction("a", 5_000_000 + i, "eligible"))
        .collect();
    put_listed(&store, &old).await;
    put_listed(&store, &new).await;
    assert_eq!(table_rows(&store, "transaction_groups").await, 2);
    assert_eq!(store.purge(4_000_000).await.unwrap(), 1);
    for t in &old {
        assert_eq!(store.get("a", &t.id).await.unwrap(), None);
    }
    for t in &new {
        assert_eq!(store.get("a", &t.id).await.unwrap().as_ref(), Some(t));
    }
}

#[tokio::test]
async fn listed_records_read_and_match_under_a_rotated_key() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let ts = varied("a", 5, 100);
    put_listed(&store, &ts).await;
    store.close().await;
    let new_key = dir.join("new.key");
    std::fs::write(&new_key, crypto::random_secret().unwrap()).unwrap();
    let mut s = settings(&dir);
    s.encryption_key_file = new_key.display().to_string();
    s.decryption_key_files = vec![dir.join("store.key").display().to_string()];
    let rotated = open(&s, &no_env).await.unwrap().unwrap();
    assert_eq!(
        rotated.get("a", &ts[2].id).await.unwrap().as_ref(),
        Some(&ts[2])
    );
    let q = Query {
        limit: 5,
        count: true,
        patient_last_name: Some("Panza".into()),
        ..Query::default()
    };
    let (found, total) = rotated.search("a", &q).await.unwrap();
    assert_eq!((found.len(), total), (3, Some(3)));
}

/// A group row whose records lie far apart (up to its span) is read although many group rows
/// ending between them come first: reading stops early only past what it could hold.
#[tokio::test]
async fn a_group_row_spanning_others_is_not_missed_when_reading_stops_early() {
    let dir = temp_dir();
    let store = opened(&dir).await;
    let wide = [
        transaction("a", 1_000, "eligible"),
        transaction("a", 1_000 + rows::GROUP_SPAN_MS - 1, "eligible"),
    ];
    put_listed(&store, &wide).await;
    let n = 2 * i64::try_from(rows::GROUP_PAGE).unwrap();
    let step = (rows::GROUP_SPAN_MS - 2_000) / n;
    for j in 0..n {
        put_listed(&store, &[transaction("a", 2_000 + j * step, "eligible")]).await;
    }
    for (order, first) in [
        (Order::OldestFirst, 1_000),
        (Order::NewestFirst, 1_000 + rows::GROUP_SPAN_MS - 1),
    ] {
        let q = Query {
            limit: 1,
            order,
            ..Query::default()
        };
        let (page, _) = store.search("a", &q).await.unwrap();
        let times: Vec<i64> = page.iter().map(|t| t.processed_ms).collect();
        assert_eq!(times, [first], "{order:?}");
    }
}
