//! The reading SQL, through sqlx's `Any` driver (placeholders `$n`, which both databases take,
//! bound in order), and the sealing of a row before it is written (see [`super::write`]).

use std::fmt::Write as _;

use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use super::crypto::HASH_LEN;
use super::{
    Details, Keyring, NOT_REPLAYED, NewTransaction, Order, Query, SearchHashes, Searched,
    StoreError, Transaction, frame, members,
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
    keys.current_id().clone_into(&mut row.key_id);
    row.sealed = frame::compressed(&frame, |packed| {
        keys.seal(&aad(&row.id, &row.account), packed)
    })?;
    Ok(row)
}

/// A group's frame is kept under this many bytes: reading one record unpacks its whole group,
/// and LZ4 finds repeats no further back than 64 KiB anyway.
const GROUP_BYTES: usize = 32 << 10;

/// A group row's frames are kept under this many bytes: LZ4 finds repeats no further back than
/// 64 KiB. A row of ~30 sandbox exchanges seals to ~7 KB, which PostgreSQL keeps in its page
/// (`toast_tuple_target`) and fills it with.
const GROUP_ROW_BYTES: usize = 60 << 10;

/// The records of a group row were processed within this long of each other: a lookup by id
/// reads the group rows ending in that window after the id's time (see [`in_groups`]).
pub(super) const GROUP_SPAN_MS: i64 = 60_000;

/// Records of one account sealed as one value in one row of `transaction_groups`, listed
/// beside it ([`members`]): one row where each record took its own, its index entry and its
/// two dozen fields (PostgreSQL's server spent 5.7 µs a record on rows, ~2.5 on these).
pub struct GroupRow {
    pub(super) id: String,
    pub(super) account: String,
    pub(super) first_ms: i64,
    pub(super) last_ms: i64,
    pub(super) key_id: String,
    pub(super) sealed: Vec<u8>,
    pub(super) members: Vec<u8>,
    /// How many records it holds (not written: the list says).
    pub(super) records: usize,
}

/// Records in `rows` and `groups`.
pub fn records(rows: &[Prepared], groups: &[GroupRow]) -> usize {
    rows.len() + groups.iter().map(|g| g.records).sum::<usize>()
}

/// A batch sealed: its rows, and how many records each group that failed held, and why.
pub struct Sealed {
    /// Rows for `transactions` (records with a deduplication key, or an id that does not name
    /// their time), ready for [`super::Store::write`].
    pub rows: Vec<Prepared>,
    /// Rows for `transaction_groups`: every other record.
    pub groups: Vec<GroupRow>,
    /// Per group that failed: its records (lost) and the error.
    pub failed: Vec<(usize, StoreError)>,
}

/// Seals a batch (CPU work: the writer runs it off the async workers): each account's records
/// in group rows ([`in_group_rows`]), except those that must stay rows of `transactions`
/// ([`Packed::listable`]): those in order, in groups of up to [`GROUP_BYTES`] sealed as one
/// value in the row of the newest (a record too large for a group is sealed alone). Records
/// written together share most of their bytes (envelopes, provider, payer, the plan's
/// benefits), which one block compresses once; sealed apart each record paid for them in
/// compression, encryption and every byte written.
pub fn seal_batch(keys: &Keyring, records: Vec<Packed>) -> Sealed {
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut accounts: Vec<Vec<Packed>> = Vec::new();
    let mut out = Sealed {
        rows: Vec::new(),
        groups: Vec::new(),
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
        let (listed, list): (Vec<Packed>, Vec<Packed>) =
            list.into_iter().partition(Packed::listable);
        in_group_rows(keys, listed, &mut out);
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

impl Packed {
    /// Whether it goes in a group row: the duplicate lookup reads `transactions`' index of
    /// deduplication keys, and a lookup by an id that does not name its time the index of ids.
    fn listable(&self) -> bool {
        self.row.hashes[6].is_none() && self.row.id_lookup.is_none()
    }
}

/// Seals one account's `records` in group rows, oldest first, each of records within
/// [`GROUP_SPAN_MS`] and [`GROUP_ROW_BYTES`] of framed details.
fn in_group_rows(keys: &Keyring, mut records: Vec<Packed>, out: &mut Sealed) {
    records.sort_by_key(|r| r.row.processed_ms);
    let mut group: Vec<Packed> = Vec::new();
    let mut bytes = 0;
    for r in records {
        let size = r.frame.len() + r.row.id.len() + 8;
        let far = group
            .first()
            .is_some_and(|f| r.row.processed_ms - f.row.processed_ms > GROUP_SPAN_MS);
        if !group.is_empty() && (bytes + size > GROUP_ROW_BYTES || far) {
            group_row_counted(keys, &group, out);
            group.clear();
            bytes = 0;
        }
        bytes += size;
        group.push(r);
    }
    if !group.is_empty() {
        group_row_counted(keys, &group, out);
    }
}

fn group_row_counted(keys: &Keyring, group: &[Packed], out: &mut Sealed) {
    let n = group.len();
    match group_row(keys, group) {
        Ok(row) => out.groups.push(row),
        Err(e) => out.failed.push((n, e)),
    }
}

/// Seals `group` (one account's, oldest first) as one value under a new id naming its newest
/// record's time, and lists its records.
fn group_row(keys: &Keyring, group: &[Packed]) -> Result<GroupRow, StoreError> {
    let (Some(first), Some(last)) = (group.first(), group.last()) else {
        return Err(StoreError::Frame("an empty group"));
    };
    let id = super::id_at(last.row.processed_ms);
    let account = first.row.account.clone();
    let records = group
        .iter()
        .map(|r| (r.row.id.as_str(), r.frame.as_slice()));
    let sealed = frame::grouped(records, |frame| {
        frame::group_compressed(frame, |packed| keys.seal(&aad(&id, &account), packed))
    })?;
    Ok(GroupRow {
        members: members::list(group.iter().map(|r| &*r.row)),
        first_ms: first.row.processed_ms,
        last_ms: last.row.processed_ms,
        key_id: keys.current_id().to_owned(),
        records: group.len(),
        id,
        account,
        sealed,
    })
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
        // Nothing is sealed in a member's row: no key to name (its holder names one).
        if part == holder {
            row.sealed = sealed.take().unwrap_or_default();
            keys.current_id().clone_into(&mut row.key_id);
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
        // Named once sealed: a record in a group row names none.
        key_id: String::new(),
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
    read: Vec<Raw>,
) -> Result<Vec<Transaction>, StoreError> {
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
        fetched.extend(sealed_values(pool, &holders(account, &list, untimed)).await?);
    }
    Ok(fetched)
}

/// The id, key and sealed value of each row `f` reads.
async fn sealed_values(
    pool: &AnyPool,
    f: &Filter,
) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
    let mut fetched = Vec::new();
    for row in f.bind(sqlx::query(&f.sql)).fetch_all(pool).await? {
        fetched.push((
            row.try_get("id")?,
            row.try_get("key_id")?,
            row.try_get("sealed")?,
        ));
    }
    Ok(fetched)
}

/// The statement reading the sealed values of `table`'s rows of `account` with these `ids`, at
/// these times (`time`: the column, then the times) when given: each time with each id, a pair
/// that is not a row's matches none.
fn sealed_rows<'a>(
    table: &str,
    account: &str,
    time: Option<(&str, Vec<i64>)>,
    ids: impl Iterator<Item = &'a str>,
) -> Filter {
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!("SELECT id, key_id, sealed FROM {table} WHERE account = {p}");
    if let Some((column, times)) = time {
        f.any_of(column, times.into_iter().map(Arg::Int).collect());
    }
    f.any_of("id", ids.map(|g| Arg::Text(g.to_owned())).collect());
    f
}

/// The statement reading holders: those of `list` with their times, or, `untimed`, among rows
/// found by id.
fn holders(account: &str, list: &[&(&str, Option<i64>)], untimed: bool) -> Filter {
    let times = (!untimed).then(|| {
        let times = list.iter().filter_map(|(_, ms)| *ms).collect();
        ("processed_ms", times)
    });
    let mut f = sealed_rows("transactions", account, times, list.iter().map(|(g, _)| *g));
    if untimed {
        f.sql.push_str(" AND id_lookup IS NOT NULL");
    }
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
        groups.push((id, open_group(keys, account, id, key_id, sealed)?));
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
    // By its time when its id names one (its row, else the group rows that may hold it), else
    // (or not found so) among rows found by id.
    if let Some(ms) = super::id_ms(id) {
        let f = by_time(account, id, ms);
        if let Some(row) = f.bind(sqlx::query(&f.sql)).fetch_optional(pool).await? {
            return read_one(keys, account, Some(row));
        }
        if let Some(t) = in_groups(pool, keys, account, id, ms).await? {
            return Ok(Some(t));
        }
    }
    let f = by_id(account, id);
    let row = f.bind(sqlx::query(&f.sql)).fetch_optional(pool).await?;
    read_one(keys, account, row)
}

/// The statement reading the group rows that may hold a record made at `ms`: ending within
/// [`GROUP_SPAN_MS`] after it, starting at or before it (all read from the index).
fn group_rows_at(account: &str, ms: i64) -> Filter {
    Filter {
        sql: "SELECT id, key_id, sealed, members FROM transaction_groups \
              WHERE account = $1 AND last_ms >= $2 AND last_ms <= $3 AND first_ms <= $2"
            .into(),
        args: vec![
            Arg::Text(account.to_owned()),
            Arg::Int(ms),
            Arg::Int(ms.saturating_add(GROUP_SPAN_MS)),
        ],
    }
}

/// The record `id`, made at `ms`, from the group row holding it.
async fn in_groups(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    id: &str,
    ms: i64,
) -> Result<Option<Transaction>, StoreError> {
    let f = group_rows_at(account, ms);
    for row in f.bind(sqlx::query(&f.sql)).fetch_all(pool).await? {
        let list: Vec<u8> = row.try_get("members")?;
        let Some((part, m)) = members::read(&list, account)?
            .into_iter()
            .enumerate()
            .find(|(_, m)| m.t.id == id)
        else {
            continue;
        };
        let (group_id, key_id): (String, String) = (row.try_get("id")?, row.try_get("key_id")?);
        let sealed: Vec<u8> = row.try_get("sealed")?;
        let group = open_group(keys, account, &group_id, &key_id, &sealed)?;
        let details = group.details(part, &m.t.id)?;
        return Ok(Some(Transaction { details, ..m.t }));
    }
    Ok(None)
}

/// Opens the group sealed in a group row.
fn open_group(
    keys: &Keyring,
    account: &str,
    id: &str,
    key_id: &str,
    sealed: &[u8],
) -> Result<frame::Group, StoreError> {
    frame::Group::unpack(&keys.open(key_id, &aad(id, account), sealed)?)
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
    // The first `offset + limit` of each table, merged, then the page.
    let want =
        usize::try_from(u64::from(query.offset) + u64::from(query.limit)).unwrap_or(usize::MAX);
    let mut page = Filter {
        sql: f.sql.clone(),
        args: Vec::new(),
    };
    // Same arguments, then the limit.
    page.args = f.args;
    let limit = page.placeholder(Arg::Int(i64::try_from(want).unwrap_or(i64::MAX)));
    let sql = format!(
        "SELECT {COLUMNS} FROM transactions WHERE {} ORDER BY processed_ms {dir}, id {dir} \
         LIMIT {limit}",
        page.sql
    );
    let rows = page.bind(sqlx::query(&sql)).fetch_all(pool).await?;
    let read = rows.iter().map(raw).collect::<Result<Vec<_>, _>>()?;
    drop(rows);
    let (hits, listed_total) = listed(pool, keys, account, query, want).await?;
    let mut found: Vec<Found> = read
        .into_iter()
        .map(Found::Row)
        .chain(hits.into_iter().map(Found::Listed))
        .collect();
    found.sort_by(|a, b| in_order(query.order, a.t(), b.t()));
    let offset = usize::try_from(query.offset).unwrap_or(usize::MAX);
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    let (mut on_rows, mut listed_hits) = (Vec::new(), Vec::new());
    for f in found.into_iter().skip(offset).take(limit) {
        match f {
            Found::Row(r) => on_rows.push(r),
            Found::Listed(h) => listed_hits.push(h),
        }
    }
    let mut out = read_all(pool, keys, account, on_rows).await?;
    out.extend(open_listed(pool, keys, account, listed_hits).await?);
    out.sort_by(|a, b| in_order(query.order, a, b));
    let total = total.map(|t| t + listed_total);
    Ok((out, total))
}

/// A search's match: a row of `transactions`, or a record listed in a group row.
enum Found {
    Row(Raw),
    Listed(Hit),
}

impl Found {
    /// Its transaction, as far as it is read yet.
    fn t(&self) -> &Transaction {
        match self {
            Self::Row(r) => &r.t,
            Self::Listed(h) => &h.member.t,
        }
    }
}

/// `a` against `b` (time, then id) in the order `order` lists them.
fn in_order(order: Order, a: &Transaction, b: &Transaction) -> std::cmp::Ordering {
    let (a, b) = ((a.processed_ms, &a.id), (b.processed_ms, &b.id));
    match order {
        Order::OldestFirst => a.cmp(&b),
        Order::NewestFirst => b.cmp(&a),
    }
}

/// A listed record matching a search, and where its details are: its group row (id and
/// `last_ms`) and its part there.
struct Hit {
    member: members::Member,
    group: String,
    last_ms: i64,
    part: usize,
}

/// Group rows read per query of [`listed`].
pub(super) const GROUP_PAGE: usize = 64;

/// The first `want` listed records matching `query` in its order, and how many match in all
/// (when `query.count`; else as many as were read). Group rows are read in the order of their
/// newest record, a page at a time; a group row's records were processed within
/// [`GROUP_SPAN_MS`] before its newest, so once a page ends past what the first `want` can
/// still be displaced by, the rest is not read (unless everything is to be counted).
async fn listed(
    pool: &AnyPool,
    keys: &Keyring,
    account: &str,
    query: &Query,
    want: usize,
) -> Result<(Vec<Hit>, u64), StoreError> {
    let wanted = std::sync::Arc::new(members::Wanted::of(keys, query));
    let desc = matches!(query.order, Order::NewestFirst);
    let mut hits: Vec<Hit> = Vec::new();
    let mut total = 0u64;
    let mut after: Option<(i64, i64, String)> = None;
    loop {
        let f = group_page(account, query, after.take());
        let rows = f.bind(sqlx::query(&f.sql)).fetch_all(pool).await?;
        let got = rows.len();
        let mut page = Vec::with_capacity(got);
        for row in &rows {
            page.push((
                row.try_get::<String, _>("id")?,
                row.try_get::<i64, _>("last_ms")?,
                row.try_get::<Vec<u8>, _>("members")?,
            ));
        }
        if let Some(row) = rows.last() {
            after = Some((
                row.try_get("last_ms")?,
                row.try_get("first_ms")?,
                row.try_get("id")?,
            ));
        }
        drop(rows);
        let boundary = after.as_ref().map(|(last, _, _)| *last);
        // Unpacking the lists is CPU work: off the async workers past one group row.
        let (found, n) = if got > 1 {
            let (wanted, account) = (std::sync::Arc::clone(&wanted), account.to_owned());
            tokio::task::spawn_blocking(move || matching(&wanted, &account, page))
                .await
                .unwrap_or(Err(StoreError::Frame("listing panicked")))?
        } else {
            matching(&wanted, account, page)?
        };
        total += n;
        hits.extend(found);
        if hits.len() >= want.saturating_mul(2).max(GROUP_PAGE) {
            first_of(query.order, &mut hits, want);
        }
        if got < GROUP_PAGE {
            break;
        }
        if !query.count && hits.len() >= want {
            first_of(query.order, &mut hits, want);
            let kth = hits.last().map(|h| h.member.t.processed_ms);
            if let (Some(kth), Some(b)) = (kth, boundary) {
                // Newest first, what is left ended before `b`; oldest first, it began after
                // `b` less the span.
                let done = if desc {
                    b < kth
                } else {
                    b.saturating_sub(GROUP_SPAN_MS) > kth
                };
                if done {
                    break;
                }
            }
        }
    }
    first_of(query.order, &mut hits, want);
    Ok((hits, total))
}

/// The statement reading the next [`GROUP_PAGE`] group rows of `account` that may hold records
/// in `query`'s window, in its order of their newest records, after the row `after` names
/// (newest time, oldest time, id).
fn group_page(account: &str, query: &Query, after: Option<(i64, i64, String)>) -> Filter {
    let (dir, past) = match query.order {
        Order::NewestFirst => ("DESC", "<"),
        Order::OldestFirst => ("ASC", ">"),
    };
    let mut f = Filter::default();
    let p = f.placeholder(Arg::Text(account.to_owned()));
    f.sql = format!(
        "SELECT id, first_ms, last_ms, members FROM transaction_groups WHERE account = {p}"
    );
    if let Some(s) = query.start_ms {
        f.and("last_ms", ">=", Arg::Int(s));
    }
    if let Some(e) = query.end_ms {
        f.and("last_ms", "<=", Arg::Int(e.saturating_add(GROUP_SPAN_MS)));
        f.and("first_ms", "<=", Arg::Int(e));
    }
    if let Some((last, first, id)) = after {
        let (l, fi, i) = (
            f.placeholder(Arg::Int(last)),
            f.placeholder(Arg::Int(first)),
            f.placeholder(Arg::Text(id)),
        );
        let _ = write!(
            f.sql,
            " AND (last_ms, first_ms, id) {past} ({l}, {fi}, {i})"
        );
    }
    let _ = write!(
        f.sql,
        " ORDER BY last_ms {dir}, first_ms {dir}, id {dir} LIMIT {GROUP_PAGE}"
    );
    f
}

/// The statement reading the sealed values of `groups` (id and newest time).
fn group_rows(account: &str, groups: &[(&str, i64)]) -> Filter {
    let times = groups.iter().map(|(_, ms)| *ms).collect();
    sealed_rows(
        "transaction_groups",
        account,
        Some(("last_ms", times)),
        groups.iter().map(|(g, _)| *g),
    )
}

/// Keeps the first `want` of `hits` in `order`, sorted.
fn first_of(order: Order, hits: &mut Vec<Hit>, want: usize) {
    hits.sort_by(|a, b| in_order(order, &a.member.t, &b.member.t));
    hits.truncate(want);
}

/// The records of `page`'s group rows of `account` (id, `last_ms`, list) that `wanted` matches,
/// and how many.
fn matching(
    wanted: &members::Wanted,
    account: &str,
    page: Vec<(String, i64, Vec<u8>)>,
) -> Result<(Vec<Hit>, u64), StoreError> {
    let mut hits = Vec::new();
    let mut n = 0;
    for (group, last_ms, list) in page {
        for (part, member) in members::read(&list, account)?.into_iter().enumerate() {
            if wanted.matches(&member) {
                n += 1;
                hits.push(Hit {
                    member,
                    group: group.clone(),
                    last_ms,
                    part,
                });
            }
        }
    }
    Ok((hits, n))
}

/// Reads `hits` whole: their group rows' sealed values (one query), each opened once (off the
/// async workers past one).
async fn open_listed(
    pool: &AnyPool,
    keys: &std::sync::Arc<Keyring>,
    account: &str,
    hits: Vec<Hit>,
) -> Result<Vec<Transaction>, StoreError> {
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let mut groups: Vec<(&str, i64)> = Vec::new();
    for h in &hits {
        if !groups.iter().any(|(g, _)| *g == h.group) {
            groups.push((&h.group, h.last_ms));
        }
    }
    let several = groups.len() > 1;
    let sealed = sealed_values(pool, &group_rows(account, &groups)).await?;
    let account = account.to_owned();
    let keys = std::sync::Arc::clone(keys);
    let open = move || -> Result<Vec<Transaction>, StoreError> {
        let mut opened: Vec<(&str, frame::Group)> = Vec::new();
        for (id, key_id, value) in &sealed {
            opened.push((id, open_group(&keys, &account, id, key_id, value)?));
        }
        hits.into_iter()
            .map(|h| {
                let group = opened
                    .iter()
                    .find(|(id, _)| *id == h.group)
                    .ok_or(StoreError::Frame("its group is gone"))?;
                let details = group.1.details(h.part, &h.member.t.id)?;
                Ok(Transaction {
                    details,
                    ..h.member.t
                })
            })
            .collect()
    };
    if several {
        tokio::task::spawn_blocking(open)
            .await
            .unwrap_or(Err(StoreError::Frame("opening panicked")))
    } else {
        open()
    }
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
        ("group rows at a time", group_rows_at("a", 1)),
        ("group rows by id", group_rows("a", &[("g", 1)])),
        (
            "a page of group rows",
            group_page(
                "a",
                &Query {
                    start_ms: Some(1),
                    end_ms: Some(2),
                    ..Query::default()
                },
                Some((2, 1, "g".into())),
            ),
        ),
    ]
}

/// The accounts with rows in `table`, each found by one step down its account index (a loose
/// index scan: neither database skips through an index by itself), not by reading every row.
fn accounts(table: &str) -> String {
    format!(
        "WITH RECURSIVE a(account) AS ( \
         SELECT MIN(account) FROM {table} \
         UNION ALL \
         SELECT (SELECT MIN(account) FROM {table} WHERE account > a.account) FROM a \
         WHERE a.account IS NOT NULL) \
         SELECT account FROM a WHERE account IS NOT NULL"
    )
}

/// Deletes what was processed before `before_ms`, account by account along each table's
/// account and time index (no index on time alone: every insert paid for one that only the
/// hourly purge read); how many rows. A group row goes once its newest record is past: its
/// older records stay at most [`GROUP_SPAN_MS`] longer.
pub async fn purge(pool: &AnyPool, before_ms: i64) -> Result<u64, StoreError> {
    let mut purged = 0;
    for (table, time) in [
        ("transactions", "processed_ms"),
        ("transaction_groups", "last_ms"),
    ] {
        let list: Vec<String> = sqlx::query_scalar(&accounts(table)).fetch_all(pool).await?;
        let delete = format!("DELETE FROM {table} WHERE account = $1 AND {time} < $2");
        for account in list {
            let done = sqlx::query(&delete)
                .bind(account)
                .bind(before_ms)
                .execute(pool)
                .await?;
            purged += done.rows_affected();
        }
    }
    Ok(purged)
}
