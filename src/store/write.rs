//! Writing rows, each database through its own driver. SQLite: one connection on a thread of its
//! own (rusqlite, on the libsqlite3 sqlx links), a batch one database transaction of one cached
//! single-row `INSERT` stepped per row with its values bound by reference. Through sqlx each batch
//! paid its values' copies into sqlx's arguments, their drop, and a hand-off per statement to
//! sqlx's own thread: about 3 µs of a record's ~23 (profiled). PostgreSQL: one binary `COPY`
//! per batch.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sqlx::PgPool;
use tokio::sync::oneshot;

use super::StoreError;
use super::rows::{GroupRow, Prepared};

const COLUMNS: &str = "id, account, processed_ms, route, status, source_type, source_id, \
    correlation_id, payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h, \
    account_number_h, mrn_h, dedup_h, key_id, sealed, group_id, part, group_ms, id_lookup";
/// Bound values per row.
const PER_ROW: usize = 23;

const GROUP_COLUMNS: &str = "id, account, first_ms, last_ms, key_id, sealed, members";
/// Bound values per group row.
const PER_GROUP: usize = 7;

/// The connection rows are written on.
#[derive(Debug)]
pub enum Writer {
    /// SQLite has one writer at a time anyway: one connection, on its own thread.
    Sqlite(SqliteWriter),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

impl Writer {
    /// Writes `rows` and `groups` at once, all or none; a SQLite lock held by another
    /// connection is waited for at most `busy`.
    pub async fn insert(
        &self,
        rows: Vec<Prepared>,
        groups: Vec<GroupRow>,
        busy: Duration,
    ) -> Result<(), StoreError> {
        if rows.is_empty() && groups.is_empty() {
            return Ok(());
        }
        match self {
            Self::Sqlite(w) => w.insert(rows, groups, busy).await,
            Self::Postgres(pool) => Ok(postgres(pool, rows, groups).await?),
        }
    }

    /// Closes the connections (SQLite's once what was handed to it is written).
    pub async fn close(&self) {
        match self {
            Self::Sqlite(w) => w.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Batches handed to the SQLite thread and not yet taken. The recorder waits for each batch's
/// outcome, so more wait only when it gave up waiting on a stalled file; beyond this they are
/// refused (and counted) rather than block an async worker.
const JOBS_WAITING: usize = 4;

/// A batch for the SQLite thread, and where its outcome goes.
struct Job {
    rows: Vec<Prepared>,
    groups: Vec<GroupRow>,
    busy: Duration,
    done: oneshot::Sender<Result<(), rusqlite::Error>>,
}

/// The SQLite writer thread's end of the channel.
#[derive(Debug)]
pub struct SqliteWriter {
    jobs: Mutex<Option<std_mpsc::SyncSender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl SqliteWriter {
    /// Starts the thread writing to the file at `path` (opened at the first batch, and again
    /// after a failed one).
    pub fn start(path: PathBuf) -> std::io::Result<Self> {
        let (jobs, rx) = std_mpsc::sync_channel(JOBS_WAITING);
        let thread = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || sqlite_thread(&path, &rx))?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            thread: Mutex::new(Some(thread)),
        })
    }

    async fn insert(
        &self,
        rows: Vec<Prepared>,
        groups: Vec<GroupRow>,
        busy: Duration,
    ) -> Result<(), StoreError> {
        let (done, outcome) = oneshot::channel();
        let job = Job {
            rows,
            groups,
            busy,
            done,
        };
        let sent = self
            .jobs
            .lock()
            .map_err(|_| StoreError::WriterGone)?
            .as_ref()
            .map(|jobs| jobs.try_send(job));
        match sent {
            Some(Ok(())) => Ok(outcome.await.map_err(|_| StoreError::WriterGone)??),
            Some(Err(std_mpsc::TrySendError::Full(_))) => Err(StoreError::WriterBusy),
            _ => Err(StoreError::WriterGone),
        }
    }

    async fn close(&self) {
        // The thread ends once its channel is closed and drained.
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

fn sqlite_open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(super::open::SQLITE_SYNC)?;
    Ok(conn)
}

fn sqlite_thread(path: &std::path::Path, jobs: &std_mpsc::Receiver<Job>) {
    let mut conn: Option<Connection> = None;
    for job in jobs {
        let outcome = match conn.take() {
            Some(c) => Ok(c),
            None => sqlite_open(path),
        }
        .and_then(|mut c| {
            c.busy_timeout(job.busy)?;
            sqlite_insert(&mut c, &job.rows, &job.groups)?;
            Ok(c)
        });
        // A connection that failed is opened again for the next batch.
        let outcome = outcome.map(|c| conn = Some(c));
        drop(job.rows);
        drop(job.groups);
        let _ = job.done.send(outcome);
    }
}

/// `INSERT … VALUES (?, …)`: one row.
fn sqlite_sql() -> String {
    format!(
        "INSERT INTO transactions ({COLUMNS}) VALUES ({})",
        vec!["?"; PER_ROW].join(", ")
    )
}

/// `INSERT … VALUES (?, …)`: one group row.
fn sqlite_group_sql() -> String {
    format!(
        "INSERT INTO transaction_groups ({GROUP_COLUMNS}) VALUES ({})",
        ["?"; PER_GROUP].join(", ")
    )
}

fn sqlite_insert(
    conn: &mut Connection,
    rows: &[Prepared],
    groups: &[GroupRow],
) -> rusqlite::Result<()> {
    // One transaction, so one commit (and one WAL append) for the lot; taken for writing at
    // once, so a lock held elsewhere is waited for here, not half-way through.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut insert = tx.prepare_cached(&sqlite_sql())?;
        for p in rows {
            let [h0, h1, h2, h3, h4, h5, h6] = &p.hashes;
            let values: [&dyn ToSql; PER_ROW] = [
                &p.id,
                &p.account,
                &p.processed_ms,
                &p.route,
                &p.status,
                &p.source_type,
                &p.source_id,
                &p.correlation_id,
                &p.payer_id,
                &p.npi,
                h0,
                h1,
                h2,
                h3,
                h4,
                h5,
                h6,
                &p.key_id,
                &p.sealed,
                &p.group_id,
                &p.part,
                &p.group_ms,
                &p.id_lookup,
            ];
            insert.execute(&values[..])?;
        }
    }
    if !groups.is_empty() {
        let mut insert = tx.prepare_cached(&sqlite_group_sql())?;
        for g in groups {
            let values: [&dyn ToSql; PER_GROUP] = [
                &g.id,
                &g.account,
                &g.first_ms,
                &g.last_ms,
                &g.key_id,
                &g.sealed,
                &g.members,
            ];
            insert.execute(&values[..])?;
        }
    }
    // Dropped uncommitted (an error above), it rolls back.
    tx.commit()
}

/// The batch as binary `COPY` rows: PostgreSQL's bulk path, which parses no SQL or arrays per
/// row and inserts the rows in bulk: its server spends ~7 µs a record on it, against ~8–12
/// through `INSERT … SELECT FROM UNNEST`, which unpacked the arrays into a tuple store and formed
/// each row again (profiled). The columns are the SQLite insert's.
fn postgres_copy() -> String {
    format!("COPY transactions ({COLUMNS}) FROM STDIN (FORMAT binary)")
}

/// `COPY` of group rows, as [`postgres_copy`].
fn postgres_group_copy() -> String {
    format!("COPY transaction_groups ({GROUP_COLUMNS}) FROM STDIN (FORMAT binary)")
}

async fn postgres(
    pool: &PgPool,
    rows: Vec<Prepared>,
    groups: Vec<GroupRow>,
) -> Result<(), sqlx::Error> {
    let data = (!rows.is_empty()).then(|| copy_binary(&rows));
    drop(rows);
    let group_data = (!groups.is_empty()).then(|| copy_groups(&groups));
    drop(groups);
    match (data, group_data) {
        // One statement: all rows or none (a copy dropped half-way is aborted by sqlx).
        (Some(d), None) => copy_in(&mut *pool.acquire().await?, &postgres_copy(), d).await,
        (None, Some(g)) => copy_in(&mut *pool.acquire().await?, &postgres_group_copy(), g).await,
        (Some(d), Some(g)) => {
            // Two statements, one transaction: dropped uncommitted, it rolls back.
            let mut tx = pool.begin().await?;
            copy_in(&mut tx, &postgres_copy(), d).await?;
            copy_in(&mut tx, &postgres_group_copy(), g).await?;
            tx.commit().await
        }
        (None, None) => Ok(()),
    }
}

async fn copy_in(
    conn: &mut sqlx::PgConnection,
    statement: &str,
    data: Vec<u8>,
) -> Result<(), sqlx::Error> {
    let mut copy = conn.copy_in_raw(statement).await?;
    copy.send(data).await?;
    copy.finish().await?;
    Ok(())
}

/// A field of a binary `COPY` row: its length (-1 for NULL), then its bytes.
fn copy_field(out: &mut Vec<u8>, value: Option<&[u8]>) {
    match value {
        Some(v) => {
            // A field is bounded by the request body limit, far below 2 GiB.
            out.extend_from_slice(&i32::try_from(v.len()).unwrap_or(i32::MAX).to_be_bytes());
            out.extend_from_slice(v);
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// A binary `COPY`'s header.
fn copy_header(out: &mut Vec<u8>) {
    out.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
    out.extend_from_slice(&0i32.to_be_bytes()); // flags
    out.extend_from_slice(&0i32.to_be_bytes()); // header extension length
}

/// `groups` in `COPY`'s binary format (see [`copy_binary`]).
fn copy_groups(groups: &[GroupRow]) -> Vec<u8> {
    let bytes: usize = groups
        .iter()
        .map(|g| g.sealed.len() + g.members.len() + 160)
        .sum();
    let mut out = Vec::with_capacity(32 + bytes);
    copy_header(&mut out);
    let fields = i16::try_from(PER_GROUP).unwrap_or(i16::MAX).to_be_bytes();
    for g in groups {
        out.extend_from_slice(&fields);
        copy_field(&mut out, Some(g.id.as_bytes()));
        copy_field(&mut out, Some(g.account.as_bytes()));
        copy_field(&mut out, Some(&g.first_ms.to_be_bytes()));
        copy_field(&mut out, Some(&g.last_ms.to_be_bytes()));
        copy_field(&mut out, Some(g.key_id.as_bytes()));
        copy_field(&mut out, Some(&g.sealed));
        copy_field(&mut out, Some(&g.members));
    }
    out.extend_from_slice(&(-1i16).to_be_bytes());
    out
}

/// `rows` in `COPY`'s binary format: a header, then each row's field count and each field as
/// its length (-1 for NULL) and its bytes (text as UTF-8, `BIGINT` as 8 bytes big-endian,
/// `BYTEA` as is), then -1.
fn copy_binary(rows: &[Prepared]) -> Vec<u8> {
    let sealed: usize = rows.iter().map(|p| p.sealed.len()).sum();
    let mut out = Vec::with_capacity(32 + rows.len() * 640 + sealed);
    copy_header(&mut out);
    let fields = i16::try_from(PER_ROW).unwrap_or(i16::MAX).to_be_bytes();
    for p in rows {
        out.extend_from_slice(&fields);
        for t in [&p.id, &p.account] {
            copy_field(&mut out, Some(t.as_bytes()));
        }
        copy_field(&mut out, Some(&p.processed_ms.to_be_bytes()));
        for t in [&p.route, &p.status, &p.source_type] {
            copy_field(&mut out, Some(t.as_bytes()));
        }
        for t in [&p.source_id, &p.correlation_id, &p.payer_id, &p.npi] {
            copy_field(&mut out, t.as_deref().map(str::as_bytes));
        }
        for h in &p.hashes {
            copy_field(&mut out, h.as_ref().map(|h| &h[..]));
        }
        copy_field(&mut out, Some(p.key_id.as_bytes()));
        copy_field(&mut out, Some(&p.sealed));
        copy_field(&mut out, p.group_id.as_deref().map(str::as_bytes));
        for n in [p.part, p.group_ms, p.id_lookup] {
            copy_field(&mut out, n.map(i64::to_be_bytes).as_ref().map(|b| &b[..]));
        }
    }
    out.extend_from_slice(&(-1i16).to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_insert_has_a_placeholder_per_value() {
        let sql = sqlite_sql();
        assert_eq!(sql.matches('?').count(), PER_ROW);
        assert_eq!(COLUMNS.split(',').count(), PER_ROW);
        assert!(sql.ends_with("?)"));
    }
}
