//! Writing rows, each database through its own sqlx driver rather than `Any`: `Any` copies every
//! bound value once more on its way to the driver, and cannot bind arrays. A batch is one
//! database transaction on SQLite (multi-row `INSERT`s) and one `INSERT … SELECT FROM UNNEST` of
//! one array per column on PostgreSQL: 19 values bound per batch instead of 19 per row.

use sqlx::{PgPool, SqlitePool};

use super::rows::Prepared;

const COLUMNS: &str = "id, account, processed_ms, route, status, source_type, source_id, \
    correlation_id, payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h, \
    account_number_h, mrn_h, dedup_h, key_id, sealed";
/// Bound values per row.
const PER_ROW: usize = 19;
/// Rows per SQLite `INSERT`: 50 × 19 = 950 values, under SQLite's oldest limit (999).
const ROWS_PER_INSERT: usize = 50;

/// The connection rows are written on.
#[derive(Debug)]
pub enum Writer {
    /// One connection: SQLite has one writer at a time anyway.
    Sqlite(SqlitePool),
    /// A PostgreSQL pool.
    Postgres(PgPool),
}

impl Writer {
    /// Writes `rows` at once: all or none.
    pub async fn insert(&self, rows: Vec<Prepared>) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        match self {
            Self::Sqlite(pool) => sqlite(pool, rows).await,
            Self::Postgres(pool) => postgres(pool, rows).await,
        }
    }

    /// Closes the connections.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(pool) => pool.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// `INSERT … VALUES (?, …), …` for `rows` rows. `?` rather than `$n`: sqlx resolves each
/// numbered SQLite placeholder by a linear scan of the statement's names, which made binding a
/// 950-value insert quadratic.
fn sqlite_sql(rows: usize) -> String {
    let row = format!("({})", vec!["?"; PER_ROW].join(", "));
    format!(
        "INSERT INTO transactions ({COLUMNS}) VALUES {}",
        vec![row.as_str(); rows].join(", ")
    )
}

async fn sqlite(pool: &SqlitePool, rows: Vec<Prepared>) -> Result<(), sqlx::Error> {
    // One transaction, so one commit (and one WAL append) for the lot.
    let mut tx = pool.begin().await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Prepared> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        let sql = sqlite_sql(chunk.len());
        let mut q = sqlx::query(&sql);
        for p in chunk {
            // Owned values move into the driver's arguments: nothing is copied again.
            q = q
                .bind(p.id)
                .bind(p.account)
                .bind(p.processed_ms)
                .bind(p.route)
                .bind(p.status)
                .bind(p.source_type)
                .bind(p.source_id)
                .bind(p.correlation_id)
                .bind(p.payer_id)
                .bind(p.npi);
            for h in p.hashes {
                q = q.bind(h);
            }
            q = q.bind(p.key_id).bind(p.sealed);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await
}

const POSTGRES_SQL: &str = "INSERT INTO transactions (id, account, processed_ms, route, status, \
    source_type, source_id, correlation_id, payer_id, npi, first_name_h, last_name_h, \
    member_id_h, birth_date_h, account_number_h, mrn_h, dedup_h, key_id, sealed) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[], \
    $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[], $12::bytea[], \
    $13::bytea[], $14::bytea[], $15::bytea[], $16::bytea[], $17::bytea[], $18::text[], \
    $19::bytea[])";

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
    let mut hashes: [Column<Option<Vec<u8>>>; 7] = Default::default();
    let mut sealed = Column::<Vec<u8>>::with_capacity(n);
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
    q.bind(key_id).bind(sealed).execute(pool).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sqlite_insert_has_a_placeholder_per_value() {
        let sql = sqlite_sql(3);
        assert_eq!(sql.matches('?').count(), 3 * PER_ROW);
        assert_eq!(COLUMNS.split(',').count(), PER_ROW);
        assert!(sql.ends_with("?)"));
    }
}
