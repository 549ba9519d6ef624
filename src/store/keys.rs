//! Where the store's keys come from: `store.encryption_key_env`/`_file` (new rows), each of
//! `store.decryption_key_files` (old rows only), or, for SQLite with none configured, a random key
//! kept beside the database (`store.key`, mode 0600) so the README's first command needs nothing.

use std::path::{Path, PathBuf};

use super::crypto::{self, Keyring, SECRET_LEN};
use crate::config::{SettingsError, StoreSettings};

/// The keyring, and the generated key file's path when one was made or reused (warned about).
pub fn keyring(
    settings: &StoreSettings,
    lookup: &dyn Fn(&str) -> Option<String>,
    sqlite_dir: Option<&Path>,
) -> Result<(Keyring, Option<PathBuf>), SettingsError> {
    let configured = settings.encryption_key();
    let (current, generated) = if let Some(text) = configured.read(lookup)? {
        let secret = crypto::parse_secret(&text)
            .map_err(|p| SettingsError::invalid(configured.key_in_use(), p))?;
        (secret, None)
    } else if let Some(dir) = sqlite_dir {
        let path = dir.join("store.key");
        (beside_database(&path)?, Some(path))
    } else {
        return Err(SettingsError::invalid(
            "store.encryption_key_env",
            "(or `store.encryption_key_file`) is required with PostgreSQL: 32 random bytes, \
             base64 (`openssl rand -base64 32`), the same on every replica",
        ));
    };
    let mut older: Vec<[u8; SECRET_LEN]> = Vec::new();
    for (i, file) in settings.decryption_key_files.iter().enumerate() {
        let key = format!("store.decryption_key_files[{i}]");
        let text = std::fs::read_to_string(file).map_err(|e| {
            SettingsError::invalid(&key, format!("names `{file}`, which cannot be read: {e}"))
        })?;
        older.push(crypto::parse_secret(&text).map_err(|p| SettingsError::invalid(&key, p))?);
    }
    Ok((Keyring::new(&current, &older), generated))
}

/// Reads the generated key at `path`, or makes it (mode 0600, never overwritten).
fn beside_database(path: &Path) -> Result<[u8; SECRET_LEN], SettingsError> {
    let shown = path.display();
    let problem = |what: String| SettingsError::invalid("store.encryption_key_file", what);
    if path.exists() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| problem(format!("is unset and `{shown}` cannot be read: {e}")))?;
        return crypto::parse_secret(&text)
            .map_err(|p| problem(format!("is unset and `{shown}` {p}")));
    }
    let text = crypto::random_secret()
        .map_err(|e| problem(format!("is unset and no random key could be made: {e}")))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| problem(format!("is unset and `{shown}` cannot be created: {e}")))?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes())
        .map_err(|e| problem(format!("is unset and `{shown}` cannot be written: {e}")))?;
    crypto::parse_secret(&text).map_err(|p| problem(format!("generated key {p}")))
}
