//! PostgreSQL over TLS: what the store checks of a URL's TLS parameters before sqlx reads them
//! (files readable, libpq's `sslrootcert=system`), and the hint added when TLS fails.

/// The PostgreSQL URL's TLS files (`sslrootcert`, `sslcert`, `sslkey`: a path, or PEM inline)
/// must be readable, named when not (sqlx would say only "No such file"); `sslpassword` is
/// refused: sqlx reads only unencrypted keys, and would log the unknown parameter's value.
pub fn check_parameters(url: &str) -> Result<(), String> {
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
pub fn hint(e: &sqlx::Error) -> &'static str {
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
pub fn system_roots(url: String) -> Result<String, String> {
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
mod tests {
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
