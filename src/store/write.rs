//! Writing rows, each database through its own driver. SQLite: one connection on a thread of its
//! own (rusqlite, on the libsqlite3 sqlx links), a batch one database transaction of one cached
//! single-row `INSERT` stepped per row with its values bound by reference. Through sqlx each batch
//! paid its values' copies into sqlx's arguments, their drop, and a hand-off per statement to
//! sqlx's own thread: about 3 µs of a record's ~23 (profiled). PostgreSQL: one
//! `INSERT … SELECT FROM UNNEST` of one array per column: 21 values bound per batch, not per row.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc as std_mpsc;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use sqlx::PgPool;
use tokio::sync::oneshot;

use super::StoreError;
use super::crypto::HASH_LEN;
use super::rows::Prepared;

const COLUMNS: &str = "id, account, processed_ms, route, status, source_type, source_id, \
    correlation_id, payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h, \
    account_number_h, mrn_h, dedup_h, key_id, sealed, group_id, part";
/// Bound values per row.
const PER_ROW: usize = 21;

/// The connection rows are written on.
#[derive(Debug)]
pub enum Writer {
    /// SQLite has one writer at a time anyway: one connection, on its own thread.
    Sqlite(SqliteWriter),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

impl Writer {
    /// Writes `rows` at once, all or none; a SQLite lock held by another connection is waited
    /// for at most `busy`.
    pub async fn insert(&self, rows: Vec<Prepared>, busy: Duration) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Self::Sqlite(w) => w.insert(rows, busy).await,
            Self::Postgres(pool) => Ok(postgres(pool, rows).await?),
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

    async fn insert(&self, rows: Vec<Prepared>, busy: Duration) -> Result<(), StoreError> {
        let (done, outcome) = oneshot::channel();
        let sent = self
            .jobs
            .lock()
            .map_err(|_| StoreError::WriterGone)?
            .as_ref()
            .map(|jobs| jobs.try_send(Job { rows, busy, done }));
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
            sqlite_insert(&mut c, &job.rows)?;
            Ok(c)
        });
        // A connection that failed is opened again for the next batch.
        let outcome = outcome.map(|c| conn = Some(c));
        drop(job.rows);
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

fn sqlite_insert(conn: &mut Connection, rows: &[Prepared]) -> rusqlite::Result<()> {
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
            ];
            insert.execute(&values[..])?;
        }
    }
    // Dropped uncommitted (an error above), it rolls back.
    tx.commit()
}

const POSTGRES_SQL: &str = "INSERT INTO transactions (id, account, processed_ms, route, status, \
    source_type, source_id, correlation_id, payer_id, npi, first_name_h, last_name_h, \
    member_id_h, birth_date_h, account_number_h, mrn_h, dedup_h, key_id, sealed, group_id, part) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[], $12::bytea[], \
    $13::bytea[], $14::bytea[], $15::bytea[], $16::bytea[], $17::bytea[], $18::text[], \
    $19::bytea[], $20::text[], $21::int8[])";

/// One column of a batch.
type Column<T> = Vec<T>;

async fn postgres(pool: &PgPool, rows: Vec<Prepared>) -> Result<(), sqlx::Error> {
    let n = rows.len();
    let text = || Column::<String>::with_capacity(n);
    let maybe = || Column::<Option<String>>::with_capacity(n);
    let (mut id, mut account, mut route, mut status, mut source_type, mut key_id) =
        (text(), text(), text(), text(), text(), text());
    let (mut source_id, mut correlation_id, mut payer_id, mut npi) =
        (maybe(), maybe(), maybe(), maybe());
    let mut processed_ms = Column::<i64>::with_capacity(n);
    let mut hashes: [Column<Option<[u8; HASH_LEN]>>; 7] = Default::default();
    let mut sealed = Column::<Vec<u8>>::with_capacity(n);
    let mut group_id = maybe();
    let mut part = Column::<Option<i64>>::with_capacity(n);
    for p in rows {
        id.push(p.id);
        account.push(p.account);
        processed_ms.push(p.processed_ms);
        route.push(p.route);
        status.push(p.status);
        source_type.push(p.source_type);
        source_id.push(p.source_id);
        correlation_id.push(p.correlation_id);
        payer_id.push(p.payer_id);
        npi.push(p.npi);
        for (column, h) in hashes.iter_mut().zip(p.hashes) {
            column.push(h);
        }
        key_id.push(p.key_id);
        sealed.push(p.sealed);
        group_id.push(p.group_id);
        part.push(p.part);
    }
    let mut q = sqlx::query(POSTGRES_SQL)
        .bind(id)
        .bind(account)
        .bind(processed_ms)
        .bind(route)
        .bind(status)
        .bind(source_type)
        .bind(source_id)
        .bind(correlation_id)
        .bind(payer_id)
        .bind(npi);
    for column in hashes {
        q = q.bind(column);
    }
    // One statement: atomic without a transaction of its own.
    q.bind(key_id)
        .bind(sealed)
        .bind(group_id)
        .bind(part)
        .execute(pool)
        .await?;
    Ok(())
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
