//! Secrets named in configuration: the configuration holds where a secret is (`<name>_env`, an
//! environment variable, or `<name>_file`, a file), never the secret itself, so no credential is
//! ever committed with a configuration file.

use std::path::Path;

use super::SettingsError;

/// Where one secret comes from. Both empty means "not configured".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    /// The dotted key without its `_env`/`_file` suffix, e.g. `oauth.signing_key`.
    key: String,
    /// The environment variable's name.
    env: Option<String>,
    /// The file's path.
    file: Option<String>,
}

impl SecretRef {
    /// The secret `key` (without suffix) with its `_env` and `_file` values; empty values count
    /// as absent, so an environment variable can blank out a file's setting.
    pub fn new(key: impl Into<String>, env: Option<&str>, file: Option<&str>) -> Self {
        let present = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            key: key.into(),
            env: present(env),
            file: present(file),
        }
    }

    /// True when either source is named.
    pub fn is_set(&self) -> bool {
        self.env.is_some() || self.file.is_some()
    }

    /// The `_env` key, to name in errors.
    pub fn env_key(&self) -> String {
        format!("{}_env", self.key)
    }

    /// The key of the source in use (`…_env` or `…_file`), to name in errors about the value.
    pub fn key_in_use(&self) -> String {
        if self.file.is_some() && self.env.is_none() {
            format!("{}_file", self.key)
        } else {
            self.env_key()
        }
    }

    /// Refuses both sources at once: which one wins would be a guess.
    pub fn check(&self) -> Result<(), SettingsError> {
        if self.env.is_some() && self.file.is_some() {
            return Err(SettingsError::Invalid {
                key: self.env_key(),
                problem: format!("and `{}_file` are both set; set only one", self.key),
            });
        }
        Ok(())
    }

    /// Reads the secret: `Ok(None)` when not configured, an error naming the key when the variable
    /// is unset or empty or the file cannot be read or is empty. Surrounding whitespace (a file's
    /// final newline) is dropped. `lookup` reads the environment (tests pass a map).
    pub fn read(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, SettingsError> {
        self.check()?;
        let (key, value) = if let Some(var) = &self.env {
            let value = lookup(var).ok_or_else(|| SettingsError::Invalid {
                key: self.env_key(),
                problem: format!("names the environment variable `{var}`, which is not set"),
            })?;
            (self.env_key(), value)
        } else if let Some(path) = &self.file {
            let key = format!("{}_file", self.key);
            let value =
                std::fs::read_to_string(Path::new(path)).map_err(|e| SettingsError::Invalid {
                    key: key.clone(),
                    problem: format!("names `{path}`, which cannot be read: {e}"),
                })?;
            (key, value)
        } else {
            return Ok(None);
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(SettingsError::Invalid {
                key,
                problem: "names an empty secret".into(),
            });
        }
        Ok(Some(value.to_owned()))
    }

    /// As [`SecretRef::read`], for a secret the settings check already made mandatory.
    pub fn read_required(
        &self,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, SettingsError> {
        self.read(lookup)?.ok_or_else(|| SettingsError::Invalid {
            key: self.env_key(),
            problem: format!("(or `{}_file`) is required", self.key),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "SET" => Some(" s3cret\n".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn sources_read_and_their_errors_name_the_key() {
        let r = |env, file| SecretRef::new("payers.connectors.x.api_key", env, file);
        assert_eq!(
            r(Some("SET"), None).read(&lookup).unwrap().as_deref(),
            Some("s3cret")
        );
        assert_eq!(
            r(Some(""), Some(" ")).read(&lookup).unwrap(),
            None,
            "blank = absent"
        );
        let e = r(Some("UNSET"), None)
            .read(&lookup)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("payers.connectors.x.api_key_env") && e.contains("UNSET"),
            "{e}"
        );
        let e = r(Some("EMPTY"), None)
            .read(&lookup)
            .unwrap_err()
            .to_string();
        assert!(e.contains("api_key_env") && e.contains("empty"), "{e}");
        let e = r(None, Some("/nonexistent/key"))
            .read(&lookup)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("api_key_file") && e.contains("/nonexistent/key"),
            "{e}"
        );
        let e = r(Some("SET"), Some("/k"))
            .read(&lookup)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only one"), "{e}");
        let e = r(None, None)
            .read_required(&lookup)
            .unwrap_err()
            .to_string();
        assert!(e.contains("api_key_env") && e.contains("required"), "{e}");
    }

    #[test]
    fn a_secret_file_loses_its_final_newline() {
        let path = std::env::temp_dir().join(format!("eg-secret-{}", uuid::Uuid::new_v4()));
        std::fs::write(&path, "from-file\n").unwrap();
        let r = SecretRef::new("oauth.signing_key", None, path.to_str());
        assert_eq!(r.read(&lookup).unwrap().as_deref(), Some("from-file"));
        std::fs::remove_file(path).unwrap();
    }
}
