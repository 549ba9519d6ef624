//! Opening the store at start-up: the URL, the database (created for SQLite), the migrations and
//! the keys. Anything wrong stops start-up with an error naming the setting, never a panic.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;

use super::write::Writer;
use super::{Store, keys};
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
const SQLITE_SYNC: &str = "PRAGMA synchronous=NORMAL";

/// How long start-up waits for the database.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// The migrations, compiled in (the binary needs no files).
fn migrator() -> Migrator {
    let migration = |version: i64, description: &'static str, sql: &'static str| {
        Migration::new(
            version,
            Cow::Borrowed(description),
            MigrationType::Simple,
            Cow::Borrowed(sql),
            false,
        )
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
    let (backend, url, sqlite_dir) = if let Some(path) = sqlite_path(&url) {
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
        (Backend::Sqlite, url, Some(dir))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        check_tls_parameters(&url).map_err(&invalid)?;
        (
            Backend::Postgres,
            system_roots(url).map_err(&invalid)?,
            None,
        )
    } else {
        return Err(invalid(
            "must start with `sqlite://` or `postgres://`".into(),
        ));
    };
    let (keys, generated) = keys::keyring(settings, lookup, sqlite_dir.as_deref())?;
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
            // Readers never wait for the writer; kept in the file.
            sqlx::query("PRAGMA journal_mode=WAL")
                .execute(&pool)
                .await?;
        }
        let migrated = migrator().run(&pool).await;
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
                tls_hint(&e)
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
    let writer = match backend {
        Backend::Sqlite => Writer::Sqlite(
            SqlitePoolOptions::new()
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query(SQLITE_SYNC).execute(&mut *conn).await?;
                        Ok(())
                    })
                })
                .max_connections(1)
                .acquire_timeout(settings.timeout())
                .connect_lazy(&url)
                .map_err(unusable)?,
        ),
        Backend::Postgres => Writer::Postgres(
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
        keys,
        backend,
        timeout: settings.timeout(),
    }))
}

/// The PostgreSQL URL's TLS files (`sslrootcert`, `sslcert`, `sslkey`: a path, or PEM inline)
/// must be readable, named when not (sqlx would say only "No such file"); `sslpassword` is
/// refused: sqlx reads only unencrypted keys, and would log the unknown parameter's value.
fn check_tls_parameters(url: &str) -> Result<(), String> {
    let Some((_, query)) = url.split_once('?') else {
        return Ok(());
    };
    // A malformed query is left to sqlx, whose error names it.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    for (key, value) in pairs {
        match key.as_str() {
            "sslpassword" => {
                return Err(
                    "sets `sslpassword`, which is not supported: give `sslkey` an \
                            unencrypted key (`openssl pkey -in key.pem -out key-plain.pem`)"
                        .into(),
                );
            }
            "sslrootcert" | "ssl-root-cert" | "ssl-ca" | "sslcert" | "ssl-cert" | "sslkey"
            | "ssl-key" => {
                if value.trim_start().starts_with("-----BEGIN") || is_system_roots(&key, &value) {
                    continue;
                }
                if let Err(e) = std::fs::File::open(&value) {
                    return Err(format!(
                        "has `{key}` naming `{value}`, which cannot be read: {e}"
                    ));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// What to look at when opening PostgreSQL failed over TLS, or for want of it.
fn tls_hint(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Tls(_) => "; check the URL's `sslmode`, `sslrootcert`, `sslcert` and `sslkey`",
        sqlx::Error::Io(io) if matches!(io.get_ref(), Some(i) if i.is::<rustls::Error>()) => {
            "; check the URL's `sslmode`, `sslrootcert`, `sslcert` and `sslkey`"
        }
        sqlx::Error::Database(db) if db.message().contains("client certificate") => {
            "; the server wants a client certificate: set `sslcert` and `sslkey` in the URL"
        }
        sqlx::Error::Database(db) if db.message().contains("no encryption") => {
            "; the server accepts only TLS: set `sslmode=verify-full` (with `sslrootcert`) or \
             `sslmode=require` in the URL"
        }
        _ => "",
    }
}

fn is_system_roots(key: &str, value: &str) -> bool {
    matches!(key, "sslrootcert" | "ssl-root-cert" | "ssl-ca") && value == "system"
}

/// libpq's `sslrootcert=system` (trust the usual public roots; `sslmode` then defaults to
/// `verify-full` and may be nothing weaker): sqlx would read a file named `system`, but it trusts
/// Mozilla's roots whenever it verifies, so the parameter is dropped and `verify-full` set.
fn system_roots(url: String) -> Result<String, String> {
    let Some((head, query)) = url.split_once('?') else {
        return Ok(url);
    };
    let decoded: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    if !decoded.iter().any(|(k, v)| is_system_roots(k, v)) {
        return Ok(url);
    }
    let mode = decoded
        .iter()
        .find(|(k, _)| k == "sslmode" || k == "ssl-mode")
        .map(|(_, v)| v.as_str());
    if let Some(mode) = mode.filter(|m| *m != "verify-full") {
        return Err(format!(
            "has `sslrootcert=system` with `sslmode={mode}`: as in libpq, `system` needs \
             `sslmode=verify-full` (its default)"
        ));
    }
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let decoded: Vec<(String, String)> =
                serde_urlencoded::from_str(pair).unwrap_or_default();
            !decoded.iter().any(|(k, v)| is_system_roots(k, v))
        })
        .collect();
    if mode.is_none() {
        kept.push("sslmode=verify-full");
    }
    Ok(format!("{head}?{}", kept.join("&")))
}

#[cfg(test)]
mod tls_tests {
    use super::system_roots;

    #[test]
    fn sslrootcert_system_means_verify_full_on_the_public_roots() {
        let base = "postgres://u:p@db.example.com/x";
        for (query, sent) in [
            ("sslrootcert=system", "sslmode=verify-full"),
            (
                "sslmode=verify-full&sslrootcert=system&application_name=g",
                "sslmode=verify-full&application_name=g",
            ),
            (
                "sslmode=require&sslrootcert=/etc/ca.pem",
                "sslmode=require&sslrootcert=/etc/ca.pem",
            ),
        ] {
            assert_eq!(
                system_roots(format!("{base}?{query}")).unwrap(),
                format!("{base}?{sent}")
            );
        }
        assert_eq!(system_roots(base.into()).unwrap(), base);
        let err = system_roots(format!("{base}?sslmode=require&sslrootcert=system")).unwrap_err();
        assert!(err.contains("`sslmode=require`"), "{err}");
    }
}
