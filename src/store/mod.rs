//! The transaction store: the only place with SQL. One small interface ([`Store::record`],
//! [`Store::get`], [`Store::search`], [`Store::find_duplicate`], [`Store::purge`]) over SQLite (the
//! embedded default) or PostgreSQL (shared by replicas): reads, purges and the embedded migrations
//! through sqlx's `Any` driver, inserts through each database's own driver (see [`write`]).
//! Callers hand plain values in and get plain values out: what is at rest is ciphertext plus
//! keyed hashes (see [`crypto`]).

pub mod crypto;
mod frame;
mod keys;
mod members;
mod metrics;
mod open;
mod random;
mod recorder;
mod rows;
mod tls;
mod write;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

pub use self::crypto::{CryptoError, Keyring};
pub use self::metrics::StoreMetrics;
pub use self::open::{Backend, open};
pub use self::recorder::{Health, Recorder, STATISTICS_AFTER};

/// Rows a write may take `store.timeout_ms` for.
const WRITE_SHARE: usize = 32;

/// How long [`Store::first_statistics`] may take.
const STATISTICS_WAIT: Duration = Duration::from_secs(60);

/// Statuses whose stored answer is never replayed: the payer did not answer.
pub const NOT_REPLAYED: [&str; 2] = ["payer_unavailable", "processing_error"];

/// Why a store call failed. Messages name no value.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The call took longer than `store.timeout_ms`.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// SQLite refused a write.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The SQLite writer thread still has earlier batches (the file stalled it).
    #[error("the store's writer is still busy with earlier batches")]
    WriterBusy,
    /// The SQLite writer thread is gone (the store is closing).
    #[error("the store's writer has stopped")]
    WriterGone,
    /// A sealed value could not be opened.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A row's sealed frame is damaged (it opened, so this is a bug, not tampering).
    #[error("stored details unreadable: {0}")]
    Frame(&'static str),
    /// A row's sealed details are not what this version writes.
    #[error("stored details unreadable: line {line}, column {column}")]
    Details {
        /// serde's line.
        line: usize,
        /// serde's column.
        column: usize,
    },
}

/// A person as the 270 names them (PHI: only ever sealed or hashed at rest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Member ID.
    pub member_id: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// `M`, `F` or `U`.
    pub gender: Option<String>,
}

/// What of a transaction may hold PHI: sealed whole.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    /// The patient (the dependent when there is one).
    pub patient: Person,
    /// The subscriber.
    pub subscriber: Person,
    /// Patient account number (`REF*EJ`).
    pub patient_account_number: Option<String>,
    /// Medical record number (`REF*EA`).
    pub medical_record_number: Option<String>,
    /// The 270 as sent (after repairs), when one was built.
    pub x12_270: Option<String>,
    /// The 271 received.
    pub x12_271: Option<String>,
    /// The payer's name (2100A NM103 of the 270).
    pub payer_name: Option<String>,
    /// What was answered when it is not the 271's mapping (an error: status and messages);
    /// `None` for an eligibility answer, which is made again from `x12_271` on read. Rows of
    /// earlier versions hold the JSON answered.
    pub response: Option<String>,
    /// The HTTP status answered.
    pub http_status: u16,
    /// Errors (the gateway's or the payer's), as text.
    pub errors: Vec<String>,
    /// Warnings answered (repairs, replay, rules applied), as text.
    pub warnings: Vec<String>,
    /// The people, their references and the payer's name are the 270's (`x12_270`): none of
    /// them is held apart, and whoever shows them reads the 270 (as the exchange flow records:
    /// copying them out and framing them cost ~2 µs a request, profiled). What searches match
    /// on is hashed as the 270 is read ([`NewTransaction::searched`]).
    #[serde(default)]
    pub people_in_270: bool,
}

impl Details {
    /// Bytes of its long texts (the 270, the 271, the answer): what reading or sealing it costs.
    pub fn texts_len(&self) -> usize {
        [&self.x12_270, &self.x12_271, &self.response]
            .into_iter()
            .map(|t| t.as_ref().map_or(0, String::len))
            .sum()
    }
}

/// One transaction, plain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transaction {
    /// UUID.
    pub id: String,
    /// The account (tenant).
    pub account: String,
    /// When it was processed, Unix milliseconds.
    pub processed_ms: i64,
    /// The route template called.
    pub route: String,
    /// The canonical `status.value`.
    pub status: String,
    /// `new` or `duplicate`.
    pub source_type: String,
    /// The replayed transaction's id.
    pub source_id: Option<String>,
    /// `x-optum-correlation-id`, else the caller's request id.
    pub correlation_id: Option<String>,
    /// The payer ID the 270 was sent to.
    pub payer_id: Option<String>,
    /// The provider NPI.
    pub npi: Option<String>,
    /// Everything that may hold PHI.
    pub details: Details,
}

/// A transaction to record, with the normalised deduplication key of its request (hashed by the
/// store; `None` when it may not be replayed).
#[derive(Debug, Clone)]
pub struct NewTransaction {
    /// The transaction.
    pub transaction: Transaction,
    /// What makes two requests materially identical, normalised.
    pub dedup_key: Option<String>,
    /// The keyed hashes of what it is searched by, made as its request was read; `None`: made
    /// by the store from `transaction.details`.
    pub searched: Option<SearchHashes>,
}

/// What a transaction is searched by, as its request names it (plain: the store hashes it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Searched<'a> {
    /// The patient's first name.
    pub first_name: Option<&'a str>,
    /// The patient's last name.
    pub last_name: Option<&'a str>,
    /// The patient's member ID, else the subscriber's.
    pub member_id: Option<&'a str>,
    /// The patient's date of birth, `YYYY-MM-DD`.
    pub birth_date: Option<&'a str>,
    /// Patient account number (`REF*EJ`).
    pub account_number: Option<&'a str>,
    /// Medical record number (`REF*EA`).
    pub medical_record_number: Option<&'a str>,
}

/// The keyed hashes of a [`Searched`], as stored (no PHI).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SearchHashes([Option<[u8; crypto::HASH_LEN]>; 6]);

/// Sort order of a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Newest first (`-processedDate`).
    #[default]
    NewestFirst,
    /// Oldest first (`processedDate`).
    OldestFirst,
}

/// A search within one account: every set field must match.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Any of these statuses.
    pub statuses: Vec<String>,
    /// Exact correlation id.
    pub correlation_id: Option<String>,
    /// Patient first name (case-insensitive).
    pub patient_first_name: Option<String>,
    /// Patient last name (case-insensitive).
    pub patient_last_name: Option<String>,
    /// Patient account number.
    pub patient_account_number: Option<String>,
    /// Medical record number.
    pub medical_record_number: Option<String>,
    /// Member ID.
    pub member_id: Option<String>,
    /// Date of birth, `YYYY-MM-DD`.
    pub patient_birth_date: Option<String>,
    /// Provider NPI.
    pub npi: Option<String>,
    /// Payer ID (case-insensitive).
    pub payer_id: Option<String>,
    /// Processed at or after, Unix ms.
    pub start_ms: Option<i64>,
    /// Processed at or before, Unix ms.
    pub end_ms: Option<i64>,
    /// Sort order.
    pub order: Order,
    /// Rows to skip.
    pub offset: u32,
    /// Rows at most.
    pub limit: u32,
    /// Count every match too.
    pub count: bool,
}

/// The database and the keys of its sealed columns.
#[derive(Debug)]
pub struct Store {
    /// Reads, purges and pings.
    pool: AnyPool,
    /// Inserts.
    writer: write::Writer,
    keys: std::sync::Arc<Keyring>,
    backend: Backend,
    timeout: Duration,
}

impl Store {
    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How long one call may take (`store.timeout_ms`).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The keys (tests read the current key's id).
    pub fn keys(&self) -> &Keyring {
        &self.keys
    }

    /// The keyed hashes of what `s` is searched by, under the current key.
    pub fn search_hashes(&self, s: &Searched<'_>) -> SearchHashes {
        rows::search_hashes(&self.keys, s)
    }

    async fn bounded<T>(
        &self,
        work: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout(self.timeout, work)
            .await
            .unwrap_or(Err(StoreError::Timeout(self.timeout)))
    }

    /// Writes one transaction.
    pub async fn record(&self, new: &NewTransaction) -> Result<(), StoreError> {
        let row = rows::prepare(&self.keys, new.clone())?;
        self.write(vec![row], Vec::new()).await
    }

    /// Hashes and frames a record where it was made (see [`rows::Packed`]).
    pub(crate) fn pack(&self, new: NewTransaction) -> rows::Packed {
        rows::pack(&self.keys, new)
    }

    /// Seals a batch for [`Store::write`] (CPU work, no I/O): the rows and group rows sealed, and
    /// how many records each group that failed held and why.
    pub(crate) fn seal_batch(&self, records: Vec<rows::Packed>) -> rows::Sealed {
        rows::seal_batch(&self.keys, records)
    }

    /// Writes prepared rows and group rows in one database transaction: all or none. A batch
    /// may take `store.timeout_ms` per [`WRITE_SHARE`] records begun: a full batch under load is
    /// not lost to the bound a single record is held to.
    pub(crate) async fn write(
        &self,
        rows: Vec<rows::Prepared>,
        groups: Vec<rows::GroupRow>,
    ) -> Result<(), StoreError> {
        let records = rows::records(&rows, &groups);
        let shares = u32::try_from(records.div_ceil(WRITE_SHARE).max(1)).unwrap_or(u32::MAX);
        let limit = self.timeout.saturating_mul(shares);
        match tokio::time::timeout(limit, self.writer.insert(rows, groups, limit)).await {
            Ok(written) => written,
            Err(_) => Err(StoreError::Timeout(limit)),
        }
    }

    /// The account's transaction `id`; `None` when unknown or another account's.
    pub async fn get(&self, account: &str, id: &str) -> Result<Option<Transaction>, StoreError> {
        self.bounded(rows::get(&self.pool, &self.keys, account, id))
            .await
    }

    /// One page of the account's transactions matching `query`, and the count of all matches
    /// when asked.
    pub async fn search(
        &self,
        account: &str,
        query: &Query,
    ) -> Result<(Vec<Transaction>, Option<u64>), StoreError> {
        self.bounded(rows::search(&self.pool, &self.keys, account, query))
            .await
    }

    /// The account's newest transaction recorded at or after `since_ms` with the same
    /// deduplication key whose outcome was a payer's answer.
    pub async fn find_duplicate(
        &self,
        account: &str,
        dedup_key: &str,
        since_ms: i64,
    ) -> Result<Option<Transaction>, StoreError> {
        self.bounded(rows::find_duplicate(
            &self.pool, &self.keys, account, dedup_key, since_ms,
        ))
        .await
    }

    /// Deletes every transaction processed before `before_ms`; how many rows (a group row holds
    /// several). Safe on every replica at once (a plain `DELETE … WHERE`).
    pub async fn purge(&self, before_ms: i64) -> Result<u64, StoreError> {
        rows::purge(&self.pool, before_ms).await
    }

    /// Gives PostgreSQL its first statistics of each table (`transactions`,
    /// `transaction_groups`) that has none (never analysed, or analysed empty); whether it did.
    /// Plans cached without statistics stay until autovacuum's first analysis, a minute or more
    /// away on a new database, and the duplicate lookup's walked the account's whole window. `ANALYZE` reads a sample (at most 30 000 rows): it is
    /// bounded by [`STATISTICS_WAIT`], not `store.timeout_ms`. SQLite needs none.
    pub async fn first_statistics(&self) -> Result<bool, StoreError> {
        if self.backend != Backend::Postgres {
            return Ok(false);
        }
        let work = async {
            // Each table without: a large one with statistics is not read again.
            let none: Vec<String> = sqlx::query_scalar(
                "SELECT relname::text FROM pg_class WHERE oid IN \
                 ('transactions'::regclass, 'transaction_groups'::regclass) AND reltuples <= 0",
            )
            .fetch_all(&self.pool)
            .await?;
            if none.is_empty() {
                return Ok(false);
            }
            sqlx::raw_sql(&format!("ANALYZE {}", none.join(", ")))
                .execute(&self.pool)
                .await?;
            Ok(true)
        };
        tokio::time::timeout(STATISTICS_WAIT, work)
            .await
            .unwrap_or(Err(StoreError::Timeout(STATISTICS_WAIT)))
    }

    /// One round trip.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.bounded(async {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
        .await
    }

    /// Closes the pools (tests stop a store this way).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

/// A new transaction id, made now: see [`id_at`].
pub fn new_id() -> String {
    id_at(now_ms())
}

/// A transaction id made at `ms`, the time it is recorded as processed: a UUID v7 (time first,
/// then 74 random bits), so the index on (account, time, id) grows at its end and a lookup by
/// id finds the row through that index ([`id_ms`]), with no index of ids to keep.
pub fn id_at(ms: i64) -> String {
    let mut random = [0u8; 10];
    if random::fill(&mut random).is_err() {
        // No system randomness: still unique enough within one process's records.
        fastrand::fill(&mut random);
    }
    let ms = u64::try_from(ms).unwrap_or(0);
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    uuid::Builder::from_unix_timestamp_millis(ms, &random)
        .into_uuid()
        .hyphenated()
        .encode_lower(&mut text)
        .to_owned()
}

/// The time a v7 id (as [`id_at`] writes it: lower-case, hyphenated) was made at; `None` for
/// any other id.
pub fn id_ms(id: &str) -> Option<i64> {
    // Read in place (every record asks, as it is packed): 36 bytes, hyphens at 8, 13, 18 and
    // 23, lower-case hex elsewhere, version 7; the time is the first 12 digits.
    let b = id.as_bytes();
    let shaped = b.len() == uuid::fmt::Hyphenated::LENGTH
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'7',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        });
    if !shaped {
        return None;
    }
    let digits = id.get(..8)?.bytes().chain(id.get(9..13)?.bytes());
    let ms = digits.fold(0u64, |ms, c| {
        ms << 4
            | u64::from(if c.is_ascii_digit() {
                c - b'0'
            } else {
                c - b'a' + 10
            })
    });
    i64::try_from(ms).ok()
}

/// Now, Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests;
