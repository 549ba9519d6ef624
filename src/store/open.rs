//! Opening the store at start-up: the URL, the database (created for SQLite), the migrations and
//! the keys. Anything wrong stops start-up with an error naming the setting, never a panic.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;

use super::write::{SqliteWriter, Writer};
use super::{Store, keys, tls};
use crate::config::{SettingsError, StoreSettings, redact_url};

/// Which database the store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file, one process.
    Sqlite,
    /// A server shared by replicas.
    Postgres,
}

impl Backend {
    /// As metrics and logs name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// In WAL mode NORMAL syncs at checkpoints, not at every commit: a power cut may lose the last
/// commits but never corrupts the file (SQLite's documented guarantee), and the store is an audit
/// trail, not the answer.
pub(super) const SQLITE_SYNC: &str = "PRAGMA synchronous=NORMAL";

/// How long start-up waits for the database.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// The migrations, compiled in (the binary needs no files); the same SQL for both databases
/// except where one names the backend.
fn migrator(backend: Backend) -> Migrator {
    let migration = |version: i64, description: &'static str, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            Cow::Borrowed(sql),
            false,
        )
    };
    let per_backend = |sqlite: &'static str, postgres: &'static str| match backend {
        Backend::Sqlite => sqlite,
        Backend::Postgres => postgres,
    };
    Migrator {
        migrations: Cow::Owned(vec![
            migration(
                1,
                "transactions",
                include_str!("../../migrations/0001_transactions.sql"),
            ),
            migration(
                2,
                "dedup partial",
                include_str!("../../migrations/0002_dedup_partial.sql"),
            ),
            migration(
                3,
                "drop time index",
                include_str!("../../migrations/0003_drop_time_index.sql"),
            ),
            migration(
                4,
                "groups",
                include_str!("../../migrations/0004_groups.sql"),
            ),
            migration(
                5,
                "inline groups",
                per_backend(
                    include_str!("../../migrations/0005_inline_groups.sqlite.sql"),
                    include_str!("../../migrations/0005_inline_groups.postgres.sql"),
                ),
            ),
            migration(
                6,
                "time keyed",
                per_backend(
                    include_str!("../../migrations/0006_time_keyed.sqlite.sql"),
                    include_str!("../../migrations/0006_time_keyed.postgres.sql"),
                ),
            ),
            migration(
                7,
                "group rows",
                per_backend(
                    include_str!("../../migrations/0007_group_rows.sql"),
                    concat!(
                        include_str!("../../migrations/0007_group_rows.sql"),
                        include_str!("../../migrations/0007_group_rows.postgres.sql"),
                    ),
                ),
            ),
        ]),
        ..Migrator::DEFAULT
    }
}

/// The SQLite file of `url` (`sqlite://path`, `sqlite:path`, query string dropped).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

/// Opens the store `settings` name (`None` when `store.enabled` is false): creates a SQLite file
/// and its directory when missing, runs the migrations, reads or makes the keys.
pub async fn open(
    settings: &StoreSettings,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Store>, SettingsError> {
    if !settings.enabled {
        return Ok(None);
    }
    sqlx::any::install_default_drivers();
    let (url, url_key) = settings.resolved_url(lookup)?;
    let invalid = |problem: String| SettingsError::invalid(url_key.clone(), problem);
    // For SQLite, the file and the directory it is in.
    let (backend, url, sqlite) = if let Some(path) = sqlite_path(&url) {
        if path.as_os_str().is_empty() || path == Path::new(":memory:") {
            return Err(invalid(
                "must name a file (sqlite://data/gateway.db): an in-memory database would \
                 forget every transaction at restart"
                    .into(),
            ));
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        std::fs::create_dir_all(&dir).map_err(|e| {
            invalid(format!(
                "names a file in `{}`, which cannot be created: {e}",
                dir.display()
            ))
        })?;
        let url = if url.contains('?') {
            url
        } else {
            format!("{url}?mode=rwc")
        };
        (Backend::Sqlite, url, Some((path, dir)))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        tls::check_parameters(&url).map_err(&invalid)?;
        (
            Backend::Postgres,
            tls::system_roots(url).map_err(&invalid)?,
            None,
        )
    } else {
        return Err(invalid(
            "must start with `sqlite://` or `postgres://`".into(),
        ));
    };
    let sqlite_dir = sqlite.as_ref().map(|(_, dir)| dir.as_path());
    let (keys, generated) = keys::keyring(settings, lookup, sqlite_dir)?;
    if let Some(path) = generated {
        tracing::warn!(
            path = %path.display(),
            "store.encryption_key_file is unset: transactions are encrypted under a generated key \
             kept beside the database; back it up, or set store.encryption_key_file"
        );
    }
    // Start-up may wait for the database; requests wait at most `store.timeout_ms` for a
    // connection, so the migrations run on a pool of their own.
    let setup = tokio::time::timeout(CONNECT_WAIT, async {
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(CONNECT_WAIT)
            .connect(&url)
            .await?;
        if backend == Backend::Sqlite {
            // A new file's pages are 16 KB (a file's page size is fixed once it holds a table,
            // so this does nothing to an existing one): a record's rows fill fewer pages, split
            // and commit fewer, and a group's ~4 KB row stays in its page. The writer thread's
            // CPU a record: 4.3 µs with SQLite's 4 KB pages, 3.7 µs (profiled, 3 rotated rounds).
            sqlx::query("PRAGMA page_size=16384").execute(&pool).await?;
            // Readers never wait for the writer; kept in the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        let migrated = migrator(backend).run(&pool).await;
        pool.close().await;
        migrated.map_err(|e| sqlx::Error::Migrate(Box::new(e)))
    })
    .await;
    match setup {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(invalid(format!(
                "cannot be opened ({}): {e}{}",
                redact_url(&url),
                tls::hint(&e)
            )));
        }
        Err(_) => {
            return Err(invalid(format!(
                "cannot be opened ({}): no answer within {} s",
                redact_url(&url),
                CONNECT_WAIT.as_secs()
            )));
        }
    }
    let unusable = |e: sqlx::Error| invalid(format!("cannot be used ({}): {e}", redact_url(&url)));
    let pool = AnyPoolOptions::new()
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    sqlx::query(SQLITE_SYNC).execute(&mut *conn).await?;
                }
                Ok(())
            })
        })
        .max_connections(match backend {
            // Readers; the writer has its own connection.
            Backend::Sqlite => 4,
            Backend::Postgres => 16,
        })
        .acquire_timeout(settings.timeout())
        .connect_lazy(&url)
        .map_err(unusable)?;
    let writer = match sqlite {
        Some((file, _)) => Writer::Sqlite(
            SqliteWriter::start(file)
                .map_err(|e| invalid(format!("cannot start its writer thread: {e}")))?,
        ),
        None => Writer::Postgres(
            PgPoolOptions::new()
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        // As SQLite's NORMAL: a commit does not wait for its WAL flush (a crash
                        // may lose the last fraction of a second of records, never corrupt them),
                        // so a slow disk delays no batch. This session's inserts only.
                        sqlx::query("SET synchronous_commit = off")
                            .execute(&mut *conn)
                            .await?;
                        Ok(())
                    })
                })
                .max_connections(2)
                .acquire_timeout(settings.timeout())
                .connect_lazy(&url)
                .map_err(unusable)?,
        ),
    };
    Ok(Some(Store {
        pool,
        writer,
        keys: std::sync::Arc::new(keys),
        backend,
        timeout: settings.timeout(),
    }))
}
