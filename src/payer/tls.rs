//! TLS identities of connectors: the client certificate (PEM pair or PKCS#12), the private CA
//! bundle trusted instead of the public roots, and the lowest TLS version. Files are read at
//! start-up and again on reload; a missing, unreadable, mismatched or expired file is an error
//! naming its key (never the key material or a password).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use reqwest::ClientBuilder;
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::{ConnectorSettings, SettingsError, TlsMinVersion};
use crate::telemetry::Redacted;

/// A certificate that expires sooner than this logs a warning.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 24 * 3600;

/// Where one connector's TLS material is; read by [`TlsFiles::load`].
#[derive(Debug, Clone)]
pub struct TlsFiles {
    key_prefix: String,
    cert_file: Option<String>,
    key_file: Option<String>,
    pkcs12_file: Option<String>,
    /// Read once at start-up: a process's environment cannot change under it.
    pkcs12_password: Option<Redacted<String>>,
    ca_file: Option<String>,
    min_version: TlsMinVersion,
}

/// What [`TlsFiles::load`] read.
#[derive(Debug, Default)]
pub struct Loaded {
    identity: Option<reqwest::Identity>,
    roots: Option<Vec<reqwest::Certificate>>,
    /// The client certificate's `notAfter`, seconds since the Unix epoch.
    pub not_after: Option<i64>,
    min_version: TlsMinVersion,
}

fn filled(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    i64::try_from(secs).unwrap_or(i64::MAX)
}

/// `YYYY-MM-DD` of a Unix time, for messages.
pub fn day(unix: i64) -> String {
    let t = crate::x12::date::Stamp::from_unix(unix);
    format!("{:04}-{:02}-{:02}", t.year, t.month, t.day)
}

impl TlsFiles {
    /// Connector `name`'s TLS keys; reads the PKCS#12 password now (through `lookup`).
    pub fn from_settings(
        name: &str,
        cfg: &ConnectorSettings,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let pkcs12_password = if filled(cfg.client_pkcs12_file.as_ref()).is_some() {
            Some(Redacted(cfg.pkcs12_password(name).read_required(lookup)?))
        } else {
            None
        };
        Ok(Self {
            key_prefix: format!("payers.connectors.{name}"),
            cert_file: filled(cfg.client_cert_file.as_ref()),
            key_file: filled(cfg.client_key_file.as_ref()),
            pkcs12_file: filled(cfg.client_pkcs12_file.as_ref()),
            pkcs12_password,
            ca_file: filled(cfg.ca_file.as_ref()),
            min_version: cfg.tls_min(),
        })
    }

    /// Whether anything here changes the defaults (public roots, no client certificate, TLS 1.2).
    pub fn is_custom(&self) -> bool {
        self.cert_file.is_some()
            || self.pkcs12_file.is_some()
            || self.ca_file.is_some()
            || self.min_version != TlsMinVersion::V1_2
    }

    /// Whether the files are worth reading again on reload.
    pub fn has_files(&self) -> bool {
        self.cert_file.is_some() || self.pkcs12_file.is_some() || self.ca_file.is_some()
    }

    fn err(&self, field: &str, problem: impl Into<String>) -> SettingsError {
        SettingsError::invalid(format!("{}.{field}", self.key_prefix), problem)
    }

    fn read(&self, field: &str, path: &str) -> Result<Vec<u8>, SettingsError> {
        let bytes = std::fs::read(path).map_err(|e| {
            self.err(
                field,
                format!("names the file `{path}`, which cannot be read: {e}"),
            )
        })?;
        if bytes.is_empty() {
            return Err(self.err(field, format!("names the file `{path}`, which is empty")));
        }
        Ok(bytes)
    }

    /// Reads and checks every file, at `now` (Unix seconds).
    pub fn load(&self, now: i64) -> Result<Loaded, SettingsError> {
        let mut loaded = Loaded {
            min_version: self.min_version,
            ..Loaded::default()
        };
        if let Some(path) = &self.ca_file {
            let pem = self.read("ca_file", path)?;
            let roots = CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| self.err("ca_file", format!("`{path}` is not a PEM bundle")))?;
            if roots.is_empty() {
                return Err(self.err("ca_file", format!("`{path}` holds no PEM certificate")));
            }
            let roots = roots
                .iter()
                .map(|c| reqwest::Certificate::from_der(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    self.err(
                        "ca_file",
                        format!("`{path}` holds an unreadable certificate"),
                    )
                })?;
            loaded.roots = Some(roots);
        }
        let pair = match (&self.cert_file, &self.key_file, &self.pkcs12_file) {
            (Some(cert), Some(key), _) => Some(self.pem_pair(cert, key)?),
            (_, _, Some(p12)) => Some(self.pkcs12(p12)?),
            _ => None,
        };
        if let Some((certs, key, field)) = pair {
            self.check_pair(&certs, &key, field)?;
            let leaf = certs
                .first()
                .ok_or_else(|| self.err(field, "holds no certificate"))?;
            let not_after = not_after(leaf).ok_or_else(|| {
                self.err(field, "holds a certificate whose validity cannot be read")
            })?;
            if not_after <= now {
                return Err(self.err(
                    field,
                    format!(
                        "holds a client certificate that expired on {}",
                        day(not_after)
                    ),
                ));
            }
            loaded.not_after = Some(not_after);
            let identity = reqwest::Identity::from_pem(pem_text(&certs, &key).as_bytes())
                .map_err(|_| self.err(field, "cannot be used as a TLS client identity"))?;
            loaded.identity = Some(identity);
        }
        Ok(loaded)
    }

    fn pem_pair(
        &self,
        cert: &str,
        key: &str,
    ) -> Result<
        (
            Vec<CertificateDer<'static>>,
            PrivateKeyDer<'static>,
            &'static str,
        ),
        SettingsError,
    > {
        let cert_pem = self.read("client_cert_file", cert)?;
        let certs = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| self.err("client_cert_file", format!("`{cert}` is not PEM")))?;
        if certs.is_empty() {
            return Err(self.err(
                "client_cert_file",
                format!("`{cert}` holds no PEM certificate"),
            ));
        }
        let key_pem = self.read("client_key_file", key)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| {
            self.err(
                "client_key_file",
                format!("`{key}` holds no PEM private key (PKCS#8, RSA or EC)"),
            )
        })?;
        Ok((certs, key, "client_key_file"))
    }

    fn pkcs12(
        &self,
        path: &str,
    ) -> Result<
        (
            Vec<CertificateDer<'static>>,
            PrivateKeyDer<'static>,
            &'static str,
        ),
        SettingsError,
    > {
        let field = "client_pkcs12_file";
        let bytes = self.read(field, path)?;
        let password = self
            .pkcs12_password
            .as_ref()
            .map_or("", |p| p.expose().as_str());
        let store = p12_keystore::KeyStore::from_pkcs12(
            &bytes,
            password,
            p12_keystore::Pkcs12ImportPolicy::Relaxed,
        )
        .map_err(|_| {
            self.err(
                field,
                format!("`{path}` cannot be opened: not PKCS#12, or `client_pkcs12_password_env` does not open it"),
            )
        })?;
        let (_, chain) = store.private_key_chain().ok_or_else(|| {
            self.err(
                field,
                format!("`{path}` holds no private key with its certificate"),
            )
        })?;
        let certs: Vec<CertificateDer<'static>> = chain
            .certs()
            .iter()
            .map(|c| CertificateDer::from(c.as_der().to_vec()))
            .collect();
        if certs.is_empty() {
            return Err(self.err(field, format!("`{path}` holds no certificate")));
        }
        let key = PrivateKeyDer::Pkcs8(chain.key().as_der().to_vec().into());
        Ok((certs, key, field))
    }

    /// The key must sign for the leaf certificate's public key.
    fn check_pair(
        &self,
        certs: &[CertificateDer<'static>],
        key: &PrivateKeyDer<'static>,
        field: &str,
    ) -> Result<(), SettingsError> {
        let signer = rustls::crypto::aws_lc_rs::sign::any_supported_type(key)
            .map_err(|_| self.err(field, "holds a private key of an unsupported type"))?;
        CertifiedKey::new(certs.to_vec(), signer)
            .keys_match()
            .map_err(|_| {
                self.err(
                    field,
                    "holds a private key that does not belong to the client certificate",
                )
            })
    }
}

impl Loaded {
    /// `builder` with this identity, these roots and this lowest version.
    pub fn apply(self, mut builder: ClientBuilder) -> ClientBuilder {
        if let Some(identity) = self.identity {
            builder = builder.identity(identity);
        }
        if let Some(roots) = self.roots {
            builder = builder.tls_certs_only(roots);
        }
        if self.min_version == TlsMinVersion::V1_3 {
            builder = builder.tls_version_min(reqwest::tls::Version::TLS_1_3);
        }
        builder
    }
}

/// The chain and key as PEM text, the form reqwest's rustls identity reads.
fn pem_text(certs: &[CertificateDer<'_>], key: &PrivateKeyDer<'_>) -> String {
    let mut out = String::new();
    let label = match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    };
    push_pem(&mut out, label, key.secret_der());
    for c in certs {
        push_pem(&mut out, "CERTIFICATE", c);
    }
    out
}

fn push_pem(out: &mut String, label: &str, der: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
}

/// One DER element: (tag, contents, what follows).
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(n)?;
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// `notAfter` of an X.509 certificate, in Unix seconds (RFC 5280 §4.1: Certificate → TBS →
/// [version], serial, signature, issuer, validity).
pub fn not_after(cert: &[u8]) -> Option<i64> {
    let (0x30, cert, _) = der_next(cert)? else {
        return None;
    };
    let (0x30, tbs, _) = der_next(cert)? else {
        return None;
    };
    let (tag, _, mut rest) = der_next(tbs)?;
    if tag == 0xa0 {
        (_, _, rest) = der_next(rest)?; // the serial, after an explicit version
    }
    (_, _, rest) = der_next(rest)?; // signature algorithm
    (_, _, rest) = der_next(rest)?; // issuer
    let (0x30, validity, _) = der_next(rest)? else {
        return None;
    };
    let (_, _, rest) = der_next(validity)?; // notBefore
    let (tag, time, _) = der_next(rest)?;
    der_time(tag, std::str::from_utf8(time).ok()?)
}

/// `UTCTime` (`YYMMDDHHMMSSZ`, 1950–2049) or `GeneralizedTime` (`YYYYMMDDHHMMSSZ`).
fn der_time(tag: u8, s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i64 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { rest.get(r)?.parse().ok() };
    let (month, dayn, h, m, sec) = (num(0..2)?, num(2..4)?, num(4..6)?, num(6..8)?, num(8..10)?);
    Some(days_from_civil(year, month, dayn) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_times_read_as_unix_seconds() {
        assert_eq!(der_time(0x17, "700101000000Z"), Some(0));
        assert_eq!(der_time(0x17, "491231235959Z"), Some(2_524_607_999));
        assert_eq!(der_time(0x18, "20260102030405Z"), Some(1_767_323_045));
        assert_eq!(der_time(0x17, "7001010000Z"), None);
        assert_eq!(der_time(0x02, "700101000000Z"), None);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn broken_der_is_none_not_a_panic() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x30, 0x02, 0x30, 0x05],
        ] {
            assert_eq!(not_after(bad), None);
        }
    }
}
