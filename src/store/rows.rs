//! The reading SQL, through sqlx's `Any` driver (placeholders `$n`, which both databases take,
//! bound in order), and the sealing of a row before it is written (see [`super::write`]).

use std::fmt::Write as _;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::crypto::HASH_LEN;
use super::{
    Details, Keyring, NOT_REPLAYED, NewTransaction, Order, Query, StoreError, Transaction, frame,
};

/// Hash field names: part of each hash, so equal values in different fields never match.
mod field {
    pub const FIRST: &str = "patient.first_name";
    pub const LAST: &str = "patient.last_name";
    pub const MEMBER: &str = "patient.member_id";
    pub const BIRTH: &str = "patient.birth_date";
    pub const ACCOUNT_NUMBER: &str = "patient.account_number";
    pub const MRN: &str = "patient.mrn";
    pub const DEDUP: &str = "request.dedup";
}

const COLUMNS: &str = "id, account, processed_ms, route, status, source_type, source_id, \
    correlation_id, payer_id, npi, key_id, sealed";

/// What a row's sealed details are bound to: its id and account, so a sealed value copied into
/// another row (or another tenant's) fails to open.
fn aad(id: &str, account: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(id.len() + account.len() + 1);
    aad.extend_from_slice(id.as_bytes());
    aad.push(0x1f);
    aad.extend_from_slice(account.as_bytes());
    aad
}

fn member_id(d: &Details) -> Option<&str> {
    d.patient
        .member_id
        .as_deref()
        .or(d.subscriber.member_id.as_deref())
}

/// One row ready to insert: sealed and hashed, no PHI in clear.
pub struct Prepared {
    pub(super) id: String,
    pub(super) account: String,
    pub(super) processed_ms: i64,
    pub(super) route: String,
    pub(super) status: String,
    pub(super) source_type: String,
    pub(super) source_id: Option<String>,
    pub(super) correlation_id: Option<String>,
    pub(super) payer_id: Option<String>,
    pub(super) npi: Option<String>,
    pub(super) hashes: [Option<[u8; HASH_LEN]>; 7],
    pub(super) key_id: String,
    pub(super) sealed: Vec<u8>,
}

/// Seals and hashes `new` (CPU work: the writer runs it off the async workers).
pub fn prepare(keys: &Keyring, new: NewTransaction) -> Result<Prepared, StoreError> {
    let t = new.transaction;
    let sealed = frame::framed(&t.details, |frame| {
        keys.seal_with(
            &aad(&t.id, &t.account),
            frame::packed_max(frame.len()),
            |out| {
                frame::compress_into(frame, out);
            },
        )
    })?;
    let hash =
        |f: &str, v: Option<&str>| v.filter(|v| !v.trim().is_empty()).map(|v| keys.hash(f, v));
    let d = &t.details;
    Ok(Prepared {
        hashes: [
            hash(field::FIRST, d.patient.first_name.as_deref()),
            hash(field::LAST, d.patient.last_name.as_deref()),
            hash(field::MEMBER, member_id(d)),
            hash(field::BIRTH, d.patient.birth_date.as_deref()),
            hash(field::ACCOUNT_NUMBER, d.patient_account_number.as_deref()),
            hash(field::MRN, d.medical_record_number.as_deref()),
            new.dedup_key.as_deref().map(|k| keys.hash(field::DEDUP, k)),
        ],
        key_id: keys.current_id().to_owned(),
        sealed,
        id: t.id,
        account: t.account,
        processed_ms: t.processed_ms,
        route: t.route,
        status: t.status,
        source_type: t.source_type,
        source_id: t.source_id,
        correlation_id: t.correlation_id,
        payer_id: t.payer_id,
        npi: t.npi,
    })
}

fn read(keys: &Keyring, row: &AnyRow) -> Result<Transaction, StoreError> {
    let id: String = row.try_get("id")?;
    let account: String = row.try_get("account")?;
    let key_id: String = row.try_get("key_id")?;
    let sealed: Vec<u8> = row.try_get("sealed")?;
    let details = frame::unpack(&keys.open(&key_id, &aad(&id, &account), &sealed)?)?;
    Ok(Transaction {
        id,
        account,
        processed_ms: row.try_get("processed_ms")?,
        route: row.try_get("route")?,
        status: row.try_get("status")?,
        source_type: row.try_get("source_type")?,
        source_id: row.try_get("source_id")?,
        correlation_id: row.try_get("correlation_id")?,
        payer_id: row.try_get("payer_id")?,
        npi: row.try_get("npi")?,
        details,
    })
}

pub async fn get(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    id: &str,
) -> Result<Option<Transaction>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM transactions WHERE account = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(account)
        .bind(id)
        .fetch_optional(pool)
        .await?;
    row.map(|r| read(keys, &r)).transpose()
}

/// A `WHERE` clause under construction with its arguments, numbered as pushed.
#[derive(Default)]
struct Filter {
    sql: String,
    args: Vec<Arg>,
}

enum Arg {
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

impl Filter {
    fn placeholder(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    fn and(&mut self, column: &str, op: &str, arg: Arg) {
        let p = self.placeholder(arg);
        let _ = write!(self.sql, " AND {column} {op} {p}");
    }

    fn any_of(&mut self, column: &str, args: Vec<Arg>) {
        let list: Vec<String> = args.into_iter().map(|a| self.placeholder(a)).collect();
        let _ = write!(self.sql, " AND {column} IN ({})", list.join(", "));
    }

    fn hashed(&mut self, keys: &Keyring, column: &str, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            let hashes = keys.hashes(field, v).into_iter().map(Arg::Bytes).collect();
            self.any_of(column, hashes);
        }
    }

    fn bind<'q>(
        &'q self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
                Arg::Bytes(b) => q.bind(b.as_slice()),
            };
        }
        q
    }
}

pub async fn search(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    query: &Query,
) -> Result<(Vec<Transaction>, Option<u64>), StoreError> {
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!("account = {p}");
    if !query.statuses.is_empty() {
        let statuses = query.statuses.iter().cloned().map(Arg::Text).collect();
        f.any_of("status", statuses);
    }
    if let Some(c) = &query.correlation_id {
        f.and("correlation_id", "=", Arg::Text(c.clone()));
    }
    if let Some(n) = &query.npi {
        f.and("npi", "=", Arg::Text(n.trim().to_owned()));
    }
    if let Some(p) = &query.payer_id {
        f.and(
            "UPPER(payer_id)",
            "=",
            Arg::Text(p.trim().to_ascii_uppercase()),
        );
    }
    if let Some(s) = query.start_ms {
        f.and("processed_ms", ">=", Arg::Int(s));
    }
    if let Some(e) = query.end_ms {
        f.and("processed_ms", "<=", Arg::Int(e));
    }
    f.hashed(
        keys,
        "first_name_h",
        field::FIRST,
        query.patient_first_name.as_deref(),
    );
    f.hashed(
        keys,
        "last_name_h",
        field::LAST,
        query.patient_last_name.as_deref(),
    );
    f.hashed(
        keys,
        "member_id_h",
        field::MEMBER,
        query.member_id.as_deref(),
    );
    f.hashed(
        keys,
        "birth_date_h",
        field::BIRTH,
        query.patient_birth_date.as_deref(),
    );
    f.hashed(
        keys,
        "account_number_h",
        field::ACCOUNT_NUMBER,
        query.patient_account_number.as_deref(),
    );
    f.hashed(
        keys,
        "mrn_h",
        field::MRN,
        query.medical_record_number.as_deref(),
    );
    let total = if query.count {
        let sql = format!("SELECT COUNT(*) AS n FROM transactions WHERE {}", f.sql);
        let row = f.bind(sqlx::query(&sql)).fetch_one(pool).await?;
        let n: i64 = row.try_get("n")?;
        Some(u64::try_from(n).unwrap_or(0))
    } else {
        None
    };
    let dir = match query.order {
        Order::NewestFirst => "DESC",
        Order::OldestFirst => "ASC",
    };
    let mut page = Filter {
        sql: f.sql.clone(),
        args: Vec::new(),
    };
    // Same arguments, then limit and offset.
    page.args = f.args;
    let limit = page.placeholder(Arg::Int(i64::from(query.limit)));
    let offset = page.placeholder(Arg::Int(i64::from(query.offset)));
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions WHERE {} ORDER BY processed_ms {dir}, id {dir} \
         LIMIT {limit} OFFSET {offset}",
        page.sql
    );
    let rows = page.bind(sqlx::query(&sql)).fetch_all(pool).await?;
    let found = rows
        .iter()
        .map(|r| read(keys, r))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((found, total))
}

pub async fn find_duplicate(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    dedup_key: &str,
    since_ms: i64,
) -> Result<Option<Transaction>, StoreError> {
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!("account = {p}");
    let hashes = keys
        .hashes(field::DEDUP, dedup_key)
        .into_iter()
        .map(Arg::Bytes)
        .collect();
    f.any_of("dedup_h", hashes);
    // Implied by the `IN`, spelled out so both planners use the partial index.
    f.sql.push_str(" AND dedup_h IS NOT NULL");
    f.and("processed_ms", ">=", Arg::Int(since_ms));
    let (a, b) = (
        f.placeholder(Arg::Text(NOT_REPLAYED[0].to_owned())),
        f.placeholder(Arg::Text(NOT_REPLAYED[1].to_owned())),
    );
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions WHERE {} AND status NOT IN ({a}, {b}) \
         ORDER BY processed_ms DESC LIMIT 1",
        f.sql
    );
    let row = f.bind(sqlx::query(&sql)).fetch_optional(pool).await?;
    row.map(|r| read(keys, &r)).transpose()
}

/// The accounts with transactions, each found by one step down the account index (a loose index
/// scan: neither database skips through an index by itself), not by reading every row.
const ACCOUNTS: &str = "WITH RECURSIVE a(account) AS ( \
    SELECT MIN(account) FROM transactions \
    UNION ALL \
    SELECT (SELECT MIN(account) FROM transactions WHERE account > a.account) FROM a \
    WHERE a.account IS NOT NULL) \
    SELECT account FROM a WHERE account IS NOT NULL";

/// Deletes what was processed before `before_ms`, account by account along the account's time
/// index (no index on time alone: every insert paid for one that only the hourly purge read).
pub async fn purge(pool: &AnyPool, before_ms: i64) -> Result<u64, StoreError> {
    let accounts: Vec<String> = sqlx::query_scalar(ACCOUNTS).fetch_all(pool).await?;
    let mut purged = 0;
    for account in accounts {
        let done = sqlx::query("DELETE FROM transactions WHERE account = $1 AND processed_ms < $2")
            .bind(account)
            .bind(before_ms)
            .execute(pool)
            .await?;
        purged += done.rows_affected();
    }
    Ok(purged)
}
