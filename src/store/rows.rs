//! The reading SQL, through sqlx's `Any` driver (placeholders `$n`, which both databases take,
//! bound in order), and the sealing of a row before it is written (see [`super::write`]).

use std::fmt::Write as _;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::crypto::HASH_LEN;
use super::{
    Details, Keyring, NOT_REPLAYED, NewTransaction, Order, Query, SearchHashes, Searched,
    StoreError, Transaction, frame,
};

/// Hash field names: part of each hash, so equal values in different fields never match.
pub(super) mod field {
    pub const FIRST: &str = "patient.first_name";
    pub const LAST: &str = "patient.last_name";
    pub const MEMBER: &str = "patient.member_id";
    pub const BIRTH: &str = "patient.birth_date";
    pub const ACCOUNT_NUMBER: &str = "patient.account_number";
    pub const MRN: &str = "patient.mrn";
    pub const DEDUP: &str = "request.dedup";
}

const COLUMNS: &str = "id, account, processed_ms, route, status, source_type, source_id, \
    correlation_id, payer_id, npi, key_id, sealed, group_id, part, group_ms";

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
    /// The row holding the group this record is sealed in, its part there and its time.
    pub(super) group_id: Option<String>,
    pub(super) part: Option<i64>,
    pub(super) group_ms: Option<i64>,
    /// 1 when the id does not name the processed time (see [`super::id_ms`]): the row is then
    /// found by id through the partial index that holds such rows alone.
    pub(super) id_lookup: Option<i64>,
}

/// A record packed on the thread that made it: its row's plain fields and keyed hashes, and its
/// details framed in one buffer. Its details' many small strings are freed where they were
/// allocated; handed to the writer whole, each was freed on another thread, which glibc's
/// per-thread caches do not take back cheaply (profiled: ~1 µs a record). The row is boxed: a
/// record moves through the queue, the batch and its account's group, and each move of the
/// ~500-byte row was a copy.
pub struct Packed {
    /// The row, `sealed` not yet set.
    row: Box<Prepared>,
    /// The details' frame (see [`frame`]), plain: never written as it is.
    frame: Vec<u8>,
}

/// Hashes `new`'s searched fields and frames its details (no encryption yet).
pub fn pack(keys: &Keyring, new: NewTransaction) -> Packed {
    let frame = frame::frame_of(&new.transaction.details);
    Packed {
        row: Box::new(hashed(keys, new)),
        frame,
    }
}

/// Seals `new` alone.
pub fn prepare(keys: &Keyring, new: NewTransaction) -> Result<Prepared, StoreError> {
    seal_alone(keys, pack(keys, new))
}

fn seal_alone(keys: &Keyring, p: Packed) -> Result<Prepared, StoreError> {
    let Packed { row, frame } = p;
    let mut row = *row;
    row.sealed = frame::compressed(&frame, |packed| {
        keys.seal(&aad(&row.id, &row.account), packed)
    })?;
    Ok(row)
}

/// A group's frame is kept under this many bytes: reading one record unpacks its whole group,
/// and LZ4 finds repeats no further back than 64 KiB anyway.
const GROUP_BYTES: usize = 32 << 10;

/// A batch sealed: its rows, and how many records each group that failed held, and why.
pub struct Sealed {
    /// Every row of the groups sealed, ready for [`super::Store::write`].
    pub rows: Vec<Prepared>,
    /// Per group that failed: its records (lost) and the error.
    pub failed: Vec<(usize, StoreError)>,
}

/// Seals a batch (CPU work: the writer runs it off the async workers): each account's records,
/// in order, in groups of up to [`GROUP_BYTES`] sealed as one value (a record too large for a
/// group is sealed alone). Records written together share most of their bytes (envelopes,
/// provider, payer, the plan's benefits), which one block compresses once; sealed apart each
/// record paid for them in compression, encryption and every byte written.
pub fn seal_batch(keys: &Keyring, records: Vec<Packed>) -> Sealed {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut accounts: Vec<Vec<Packed>> = Vec::new();
    let mut out = Sealed {
        rows: Vec::with_capacity(records.len()),
        failed: Vec::new(),
    };
    for r in records {
        if let Some(list) = index
            .get(r.row.account.as_str())
            .and_then(|&i| accounts.get_mut(i))
        {
            list.push(r);
        } else {
            index.insert(r.row.account.clone(), accounts.len());
            accounts.push(vec![r]);
        }
    }
    for list in accounts {
        let mut group = Vec::new();
        let mut bytes = 0;
        for r in list {
            let size = r.frame.len() + r.row.id.len() + 8;
            if !group.is_empty() && bytes + size > GROUP_BYTES {
                counted(keys, std::mem::take(&mut group), &mut out);
                bytes = 0;
            }
            bytes += size;
            group.push(r);
        }
        if !group.is_empty() {
            counted(keys, group, &mut out);
        }
    }
    out
}

fn counted(keys: &Keyring, group: Vec<Packed>, out: &mut Sealed) {
    let n = group.len();
    if let Err(e) = seal_group(keys, group, &mut out.rows) {
        out.failed.push((n, e));
    }
}

/// Seals `group` (one account's) as one value in the row of its newest record, and adds its
/// rows to `rows`; none when it fails.
fn seal_group(
    keys: &Keyring,
    group: Vec<Packed>,
    rows: &mut Vec<Prepared>,
) -> Result<(), StoreError> {
    if group.len() < 2 {
        for r in group {
            rows.push(seal_alone(keys, r)?);
        }
        return Ok(());
    }
    // The newest holds the group: the purge deletes by time, so it goes last (with the rest).
    let holder = group
        .iter()
        .enumerate()
        .max_by_key(|(_, r)| r.row.processed_ms)
        .map_or(0, |(i, _)| i);
    let (holder_id, account, holder_ms) = group
        .get(holder)
        .map(|r| (r.row.id.clone(), r.row.account.clone(), r.row.processed_ms))
        .unwrap_or_default();
    let records = group
        .iter()
        .map(|r| (r.row.id.as_str(), r.frame.as_slice()));
    let mut sealed = Some(frame::grouped(records, |frame| {
        frame::group_compressed(frame, |packed| {
            keys.seal(&aad(&holder_id, &account), packed)
        })
    })?);
    rows.extend(group.into_iter().enumerate().map(|(part, r)| {
        let mut row = *r.row;
        if part == holder {
            row.sealed = sealed.take().unwrap_or_default();
        } else {
            // Nothing is sealed in a member's row: no key to name (its holder names one).
            row.key_id.clear();
        }
        row.group_id = Some(holder_id.clone());
        row.part = Some(i64::try_from(part).unwrap_or(i64::MAX));
        row.group_ms = Some(holder_ms);
        row
    }));
    Ok(())
}

/// The row of `new`, with its keyed hashes; not yet sealed.
fn hashed(keys: &Keyring, new: NewTransaction) -> Prepared {
    let t = new.transaction;
    let [h0, h1, h2, h3, h4, h5] = new
        .searched
        .unwrap_or_else(|| search_hashes(keys, &searched(&t.details)))
        .0;
    Prepared {
        hashes: [
            h0,
            h1,
            h2,
            h3,
            h4,
            h5,
            new.dedup_key.as_deref().map(|k| keys.hash(field::DEDUP, k)),
        ],
        key_id: keys.current_id().to_owned(),
        sealed: Vec::new(),
        group_id: None,
        part: None,
        group_ms: None,
        id_lookup: (super::id_ms(&t.id) != Some(t.processed_ms)).then_some(1),
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
    }
}

/// The keyed hashes of what `s` is searched by (a blank value is not hashed).
pub(super) fn search_hashes(keys: &Keyring, s: &Searched<'_>) -> SearchHashes {
    let hash =
        |f: &str, v: Option<&str>| v.filter(|v| !v.trim().is_empty()).map(|v| keys.hash(f, v));
    SearchHashes([
        hash(field::FIRST, s.first_name),
        hash(field::LAST, s.last_name),
        hash(field::MEMBER, s.member_id),
        hash(field::BIRTH, s.birth_date),
        hash(field::ACCOUNT_NUMBER, s.account_number),
        hash(field::MRN, s.medical_record_number),
    ])
}

/// What `d` is searched by, from the people it holds.
fn searched(d: &Details) -> Searched<'_> {
    Searched {
        first_name: d.patient.first_name.as_deref(),
        last_name: d.patient.last_name.as_deref(),
        member_id: member_id(d),
        birth_date: d.patient.birth_date.as_deref(),
        account_number: d.patient_account_number.as_deref(),
        medical_record_number: d.medical_record_number.as_deref(),
    }
}

/// A row as read, before its sealed details are opened.
struct Raw {
    t: Transaction,
    key_id: String,
    sealed: Vec<u8>,
    /// The row holding its group, and its part there.
    group: Option<(String, usize)>,
    /// That row's time (`None` in rows written before 0006: found by id instead).
    group_ms: Option<i64>,
}

fn raw(row: &AnyRow) -> Result<Raw, StoreError> {
    let group: Option<String> = row.try_get("group_id")?;
    let part: Option<i64> = row.try_get("part")?;
    let group = match (group, part) {
        (Some(g), Some(p)) => Some((g, usize::try_from(p).unwrap_or(usize::MAX))),
        (None, None) => None,
        _ => return Err(StoreError::Frame("a group without its part")),
    };
    Ok(Raw {
        t: Transaction {
            id: row.try_get("id")?,
            account: row.try_get("account")?,
            processed_ms: row.try_get("processed_ms")?,
            route: row.try_get("route")?,
            status: row.try_get("status")?,
            source_type: row.try_get("source_type")?,
            source_id: row.try_get("source_id")?,
            correlation_id: row.try_get("correlation_id")?,
            payer_id: row.try_get("payer_id")?,
            npi: row.try_get("npi")?,
            details: Details::default(),
        },
        key_id: row.try_get("key_id")?,
        sealed: row.try_get("sealed")?,
        group,
        group_ms: row.try_get("group_ms")?,
    })
}

/// Reads `rows` (all of `account`): fetches the groups they are sealed in that are not among
/// them, opens each group once and each lone row, off the async workers when more than one
/// group is to be opened (each unpacks up to [`GROUP_BYTES`]).
async fn read_all(
    pool: &AnyPool,
    keys: &std::sync::Arc<Keyring>,
    account: &str,
    rows: Vec<AnyRow>,
) -> Result<Vec<Transaction>, StoreError> {
    let read = rows.iter().map(raw).collect::<Result<Vec<_>, _>>()?;
    drop(rows);
    // Each group's holder, with its time when the member row names it.
    let mut holders: Vec<(&str, Option<i64>)> = Vec::new();
    for r in &read {
        if let Some((g, _)) = &r.group
            && !holders.iter().any(|(h, _)| h == g)
        {
            holders.push((g, r.group_ms));
        }
    }
    let missing: Vec<(&str, Option<i64>)> = holders
        .iter()
        .copied()
        .filter(|(g, _)| !read.iter().any(|r| r.t.id == *g))
        .collect();
    let groups = holders.len();
    let fetched = if missing.is_empty() {
        Vec::new()
    } else {
        holders_of(pool, account, &missing).await?
    };
    let account = account.to_owned();
    if groups > 1 {
        let keys = std::sync::Arc::clone(keys);
        tokio::task::spawn_blocking(move || open_all(&keys, &account, read, &fetched))
            .await
            .unwrap_or(Err(StoreError::Frame("opening panicked")))
    } else {
        open_all(keys, &account, read, &fetched)
    }
}

/// The key and sealed value of each holder in `missing` (its id, and its time when known), by
/// (account, time, id) through the index where the time is known, else through the index of
/// rows found by id.
async fn holders_of(
    pool: &AnyPool,
    account: &str,
    missing: &[(&str, Option<i64>)],
) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
    let (timed, untimed): (Vec<_>, Vec<_>) = missing.iter().partition(|(_, ms)| ms.is_some());
    let mut fetched = Vec::new();
    for (list, untimed) in [(timed, false), (untimed, true)] {
        if list.is_empty() {
            continue;
        }
        let f = holders(account, &list, untimed);
        for row in f.bind(sqlx::query(&f.sql)).fetch_all(pool).await? {
            fetched.push((
                row.try_get("id")?,
                row.try_get("key_id")?,
                row.try_get("sealed")?,
            ));
        }
    }
    Ok(fetched)
}

/// The statement reading holders: those of `list` with their times (each time with each id: a
/// pair that is not a holder's matches no row), or, `untimed`, among rows found by id.
fn holders(account: &str, list: &[&(&str, Option<i64>)], untimed: bool) -> Filter {
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!("SELECT id, key_id, sealed FROM transactions WHERE account = {p}");
    if untimed {
        f.sql.push_str(" AND id_lookup IS NOT NULL");
    } else {
        f.any_of(
            "processed_ms",
            list.iter().filter_map(|(_, ms)| ms.map(Arg::Int)).collect(),
        );
    }
    f.any_of(
        "id",
        list.iter()
            .map(|(g, _)| Arg::Text((*g).to_owned()))
            .collect(),
    );
    f
}

/// Opens the groups (found among `raws` or in `fetched`), then each row's details.
fn open_all(
    keys: &Keyring,
    account: &str,
    raws: Vec<Raw>,
    fetched: &[(String, String, Vec<u8>)],
) -> Result<Vec<Transaction>, StoreError> {
    let mut groups: Vec<(&str, frame::Group)> = Vec::new();
    let sealed_groups = raws
        .iter()
        .filter(|r| r.group.as_ref().is_some_and(|(g, _)| *g == r.t.id))
        .map(|r| (r.t.id.as_str(), r.key_id.as_str(), r.sealed.as_slice()))
        .chain(
            fetched
                .iter()
                .map(|(id, key, sealed)| (id.as_str(), key.as_str(), sealed.as_slice())),
        );
    for (id, key_id, sealed) in sealed_groups {
        let plain = keys.open(key_id, &aad(id, account), sealed)?;
        groups.push((id, frame::Group::unpack(&plain)?));
    }
    let mut found = Vec::with_capacity(raws.len());
    for r in &raws {
        let details = match &r.group {
            Some((g, part)) => groups
                .iter()
                .find(|(id, _)| id == g)
                .ok_or(StoreError::Frame("its group is gone"))?
                .1
                .details(*part, &r.t.id)?,
            None => frame::unpack(&keys.open(&r.key_id, &aad(&r.t.id, account), &r.sealed)?)?,
        };
        found.push(details);
    }
    Ok(raws
        .into_iter()
        .zip(found)
        .map(|(r, details)| Transaction { details, ..r.t })
        .collect())
}

pub async fn get(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    id: &str,
) -> Result<Option<Transaction>, StoreError> {
    // By its time when its id names one, else (or not found so) among rows found by id.
    let mut row = None;
    if let Some(ms) = super::id_ms(id) {
        let f = by_time(account, id, ms);
        row = f.bind(sqlx::query(&f.sql)).fetch_optional(pool).await?;
    }
    if row.is_none() {
        let f = by_id(account, id);
        row = f.bind(sqlx::query(&f.sql)).fetch_optional(pool).await?;
    }
    read_one(keys, account, row)
}

/// The statement reading the row `id` names, at `ms`.
fn by_time(account: &str, id: &str, ms: i64) -> Filter {
    Filter {
        sql: format!("{ONE} WHERE t.account = $1 AND t.processed_ms = $2 AND t.id = $3"),
        args: vec![
            Arg::Text(account.to_owned()),
            Arg::Int(ms),
            Arg::Text(id.to_owned()),
        ],
    }
}

/// The statement reading the row `id` names among rows found by id (see [`super::id_ms`]).
fn by_id(account: &str, id: &str) -> Filter {
    Filter {
        sql: format!("{ONE} WHERE t.account = $1 AND t.id = $2 AND t.id_lookup IS NOT NULL"),
        args: vec![Arg::Text(account.to_owned()), Arg::Text(id.to_owned())],
    }
}

/// One row with, when its group is held in another row, that row's key and sealed value: one
/// query where a grouped record took two (the duplicate lookup is on the request path). The
/// holder is found by its time (`h`), or by id when the member row was written before 0006
/// and does not name it (`o`).
const ONE: &str = "SELECT t.id AS id, t.account AS account, t.processed_ms AS processed_ms, \
    t.route AS route, t.status AS status, t.source_type AS source_type, \
    t.source_id AS source_id, t.correlation_id AS correlation_id, t.payer_id AS payer_id, \
    t.npi AS npi, t.key_id AS key_id, t.sealed AS sealed, t.group_id AS group_id, \
    t.part AS part, t.group_ms AS group_ms, \
    COALESCE(h.key_id, o.key_id) AS holder_key_id, \
    COALESCE(h.sealed, o.sealed) AS holder_sealed \
    FROM transactions t \
    LEFT JOIN transactions h ON h.account = t.account AND h.processed_ms = t.group_ms \
    AND h.id = t.group_id AND h.id <> t.id \
    LEFT JOIN transactions o ON t.group_ms IS NULL AND o.id_lookup IS NOT NULL \
    AND o.id = t.group_id AND o.account = t.account AND o.id <> t.id";

/// Reads a row of [`ONE`].
fn read_one(
    keys: &Keyring,
    account: &str,
    row: Option<AnyRow>,
) -> Result<Option<Transaction>, StoreError> {
    let Some(row) = row else { return Ok(None) };
    let r = raw(&row)?;
    let holder_key: Option<String> = row.try_get("holder_key_id")?;
    let holder_sealed: Option<Vec<u8>> = row.try_get("holder_sealed")?;
    let fetched = match (&r.group, holder_key, holder_sealed) {
        (Some((g, _)), Some(key_id), Some(sealed)) => vec![(g.clone(), key_id, sealed)],
        _ => Vec::new(),
    };
    Ok(open_all(keys, account, vec![r], &fetched)?.pop())
}

/// A statement (or its `WHERE` clause) under construction with its arguments, numbered as
/// pushed.
#[derive(Default)]
pub(super) struct Filter {
    pub(super) sql: String,
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

    pub(super) fn bind<'q>(
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
    keys: &std::sync::Arc<Keyring>,
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
    Ok((read_all(pool, keys, account, rows).await?, total))
}

pub async fn find_duplicate(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    dedup_key: &str,
    since_ms: i64,
) -> Result<Option<Transaction>, StoreError> {
    let f = duplicate(keys, account, dedup_key, since_ms);
    let row = f.bind(sqlx::query(&f.sql)).fetch_optional(pool).await?;
    read_one(keys, account, row)
}

/// The statement finding the newest answered record of `account` under `dedup_key` since
/// `since_ms`.
fn duplicate(keys: &Keyring, account: &str, dedup_key: &str, since_ms: i64) -> Filter {
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!("t.account = {p}");
    let hashes = keys
        .hashes(field::DEDUP, dedup_key)
        .into_iter()
        .map(Arg::Bytes)
        .collect();
    f.any_of("t.dedup_h", hashes);
    // Implied by the `IN`, spelled out so both planners use the partial index.
    f.sql.push_str(" AND t.dedup_h IS NOT NULL");
    f.and("t.processed_ms", ">=", Arg::Int(since_ms));
    let (a, b) = (
        f.placeholder(Arg::Text(NOT_REPLAYED[0].to_owned())),
        f.placeholder(Arg::Text(NOT_REPLAYED[1].to_owned())),
    );
    // `+ 0`: ordered by the time itself, SQLite walked the account's whole window along the
    // time index (which yields that order) rather than sort the few rows the dedup index finds.
    f.sql = format!(
        "{ONE} WHERE {} AND t.status NOT IN ({a}, {b}) ORDER BY t.processed_ms + 0 DESC LIMIT 1",
        f.sql
    );
    f
}

/// Each lookup's statement as it is run, named for what it should use: for tests of the query
/// plans.
#[cfg(test)]
pub(super) fn lookups(keys: &Keyring) -> Vec<(&'static str, Filter)> {
    let g = ("g", Some(1));
    vec![
        ("by time", by_time("a", "i", 1)),
        ("by id", by_id("a", "i")),
        ("holders by time", holders("a", &[&g], false)),
        ("holders by id", holders("a", &[&g], true)),
        ("duplicate", duplicate(keys, "a", "k", 0)),
    ]
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
