//! Encryption at the store's edge: AES-256-GCM (RustCrypto `aes-gcm`) for what may hold PHI, and
//! HMAC-SHA256 keyed hashes of the normalised fields searches and deduplication match on. Both keys
//! are derived from one 32-byte secret; older secrets still decrypt and still match (rotation).

use aes_gcm::aead::{Aead, AeadInOut, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of a secret.
pub const SECRET_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// Bytes of a GCM tag.
const TAG_LEN: usize = 16;
/// Bytes of a keyed hash as stored: HMAC-SHA256 cut to 128 bits (as HMAC-SHA256-128 is), ample
/// for exact matches and half the bytes in every row. Rows written before keep all 32 bytes, and
/// still match ([`Keyring::hashes`]).
pub const HASH_LEN: usize = 16;
/// Bytes of a whole HMAC-SHA256.
const MAC_LEN: usize = 32;

/// Why a sealed value could not be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The key that sealed it is not configured (neither current nor in `decryption_key_files`).
    #[error(
        "sealed under key `{0}`, which is not configured (add it to store.decryption_key_files)"
    )]
    UnknownKey(String),
    /// Tampered, truncated, or sealed for another record.
    #[error("a sealed value failed authentication")]
    Corrupt,
}

/// One secret's derived keys.
struct Key {
    /// Short public name of the secret (hex of a keyed hash), stored beside each row.
    id: String,
    aead: Aes256Gcm,
    /// HMAC-SHA256 keyed with the search key, cloned per hash: keying costs two SHA-256
    /// blocks, as much as the hash itself.
    search: Hmac<Sha256>,
}

fn derive(secret: &[u8; SECRET_LEN], label: &str) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot run.
        unreachable!("hmac accepts any key length")
    });
    mac.update(label.as_bytes());
    mac.finalize().into_bytes().into()
}

impl Key {
    fn new(secret: &[u8; SECRET_LEN]) -> Self {
        let id_bytes = derive(secret, "eligibility-gateway/store/key-id/v1");
        let id = id_bytes.iter().take(6).fold(String::new(), |mut id, b| {
            use std::fmt::Write as _;
            let _ = write!(id, "{b:02x}");
            id
        });
        let aead_key = derive(secret, "eligibility-gateway/store/aes-256-gcm/v1");
        Self {
            id,
            aead: Aes256Gcm::new(&aead_key.into()),
            search: <Hmac<Sha256> as KeyInit>::new_from_slice(&derive(
                secret,
                "eligibility-gateway/store/search-hash/v1",
            ))
            .unwrap_or_else(|_| unreachable!("hmac accepts any key length")),
        }
    }

    fn hash(&self, field: &str, value: &str) -> [u8; HASH_LEN] {
        cut(&self.mac(field, value))
    }

    fn mac(&self, field: &str, value: &str) -> [u8; MAC_LEN] {
        let mut mac = self.search.clone();
        mac.update(field.as_bytes());
        mac.update(&[0]);
        // The normalised value (see [`normalise`]) fed word by word, upper-cased a chunk at a
        // time on the stack: four hashes a record made no copies of their values.
        let mut chunk = [0u8; 64];
        for (i, word) in value.split_whitespace().enumerate() {
            if i > 0 {
                mac.update(b" ");
            }
            for part in word.as_bytes().chunks(chunk.len()) {
                if let Some(upper) = chunk.get_mut(..part.len()) {
                    upper.copy_from_slice(part);
                    upper.make_ascii_uppercase();
                    mac.update(upper);
                }
            }
        }
        mac.finalize().into_bytes().into()
    }
}

/// A whole keyed hash cut to what is stored: its first [`HASH_LEN`] bytes.
fn cut(whole: &[u8; MAC_LEN]) -> [u8; HASH_LEN] {
    let mut short = [0u8; HASH_LEN];
    for (s, w) in short.iter_mut().zip(whole) {
        *s = *w;
    }
    short
}

/// How a searched value is compared: surrounding space dropped, inner runs of space made one,
/// ASCII letters upper-cased (names match case-insensitively, as X12 writes them).
pub fn normalise(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_ascii_uppercase());
    }
    out
}

/// The current key (seals and hashes new rows) and older ones (still open and match old rows).
pub struct Keyring {
    current: Key,
    older: Vec<Key>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field(
                "older",
                &self.older.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Decodes a configured secret: base64 of exactly 32 bytes.
pub fn parse_secret(text: &str) -> Result<[u8; SECRET_LEN], String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| "is not base64 (make one with `openssl rand -base64 32`)".to_owned())?;
    <[u8; SECRET_LEN]>::try_from(bytes.as_slice()).map_err(|_| {
        format!(
            "must decode to exactly {SECRET_LEN} bytes, not {} (make one with `openssl rand -base64 32`)",
            bytes.len()
        )
    })
}

/// A fresh random secret, base64.
pub fn random_secret() -> Result<String, getrandom::Error> {
    let mut secret = [0u8; SECRET_LEN];
    getrandom::fill(&mut secret)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(secret))
}

impl Keyring {
    /// `current` seals; `older` (in order) only open and match.
    pub fn new(current: &[u8; SECRET_LEN], older: &[[u8; SECRET_LEN]]) -> Self {
        Self {
            current: Key::new(current),
            older: older.iter().map(Key::new).collect(),
        }
    }

    /// The id of the key that seals new rows.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plain` under the current key, bound to `aad` (the row's id and account), as
    /// nonce ‖ ciphertext ‖ tag, encrypted in place in the one buffer returned.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_LEN];
        super::random::fill(&mut nonce).map_err(|_| CryptoError::Corrupt)?;
        let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + TAG_LEN);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(plain);
        let body = out.get_mut(NONCE_LEN..).ok_or(CryptoError::Corrupt)?;
        let tag = self
            .current
            .aead
            .encrypt_inout_detached(&Nonce::from(nonce), aad, body.into())
            .map_err(|_| CryptoError::Corrupt)?;
        out.extend_from_slice(&tag);
        Ok(out)
    }

    /// Opens what [`Keyring::seal`] made under the key named `key_id`.
    pub fn open(&self, key_id: &str, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let key = std::iter::once(&self.current)
            .chain(&self.older)
            .find(|k| k.id == key_id)
            .ok_or_else(|| CryptoError::UnknownKey(key_id.to_owned()))?;
        if sealed.len() < NONCE_LEN {
            return Err(CryptoError::Corrupt);
        }
        let (nonce, body) = sealed.split_at(NONCE_LEN);
        let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| CryptoError::Corrupt)?;
        key.aead
            .decrypt(&Nonce::from(nonce), Payload { msg: body, aad })
            .map_err(|_| CryptoError::Corrupt)
    }

    /// The keyed hash of `value` (normalised) as field `field`, under the current key.
    pub fn hash(&self, field: &str, value: &str) -> [u8; HASH_LEN] {
        self.current.hash(field, value)
    }

    /// The keyed hashes of `value` under every key, current first, as stored now and whole as
    /// rows written before stored them: what a row may hold.
    pub fn hashes(&self, field: &str, value: &str) -> Vec<Vec<u8>> {
        std::iter::once(&self.current)
            .chain(&self.older)
            .flat_map(|k| {
                let whole = k.mac(field, value);
                [cut(&whole).to_vec(), whole.to_vec()]
            })
            .collect()
    }

    /// The whole keyed hash, as rows written before hashes were cut stored it.
    #[cfg(test)]
    pub fn whole_hash(&self, field: &str, value: &str) -> [u8; MAC_LEN] {
        self.current.mac(field, value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const A: [u8; 32] = [7; 32];
    const B: [u8; 32] = [9; 32];

    #[test]
    fn sealed_values_open_under_their_key_only() {
        let ring = Keyring::new(&A, &[]);
        let sealed = ring.seal(b"id|acct", b"SMITH").unwrap();
        assert!(!sealed.windows(5).any(|w| w == b"SMITH"));
        assert_eq!(
            ring.open(ring.current_id(), b"id|acct", &sealed).unwrap(),
            b"SMITH"
        );
        assert_eq!(
            ring.open(ring.current_id(), b"other|acct", &sealed),
            Err(CryptoError::Corrupt),
            "bound to its row"
        );
        let rotated = Keyring::new(&B, &[]);
        assert!(matches!(
            rotated.open(ring.current_id(), b"id|acct", &sealed),
            Err(CryptoError::UnknownKey(_))
        ));
    }

    #[test]
    fn rotation_opens_and_matches_old_rows() {
        let old = Keyring::new(&A, &[]);
        let sealed = old.seal(b"x", b"plain").unwrap();
        let new = Keyring::new(&B, &[A]);
        assert_ne!(new.current_id(), old.current_id());
        assert_eq!(new.open(old.current_id(), b"x", &sealed).unwrap(), b"plain");
        let matched = new.hashes("last", "smith");
        assert!(matched.contains(&old.hash("last", "SMITH").to_vec()));
        assert!(matched.contains(&old.whole_hash("last", "SMITH").to_vec()));
    }

    #[test]
    fn hashes_ignore_case_and_spacing_but_not_field() {
        let ring = Keyring::new(&A, &[]);
        assert_eq!(
            ring.hash("last", " o'brien  jr "),
            ring.hash("last", "O'BRIEN JR")
        );
        assert_ne!(ring.hash("last", "SMITH"), ring.hash("first", "SMITH"));
    }

    #[test]
    fn secrets_must_be_32_base64_bytes() {
        assert!(parse_secret(&random_secret().unwrap()).is_ok());
        assert!(parse_secret("not base64!").is_err());
        assert!(
            parse_secret("c2hvcnQ=")
                .unwrap_err()
                .contains("exactly 32 bytes")
        );
    }

    proptest! {
        /// Hashing word by word is hashing the normalised value: stored hashes keep matching.
        #[test]
        fn a_hash_is_of_the_normalised_value(field in "[a-z.]{1,20}", value in "\\PC{0,200}") {
            let key = Key::new(&A);
            let mut mac = key.search.clone();
            mac.update(field.as_bytes());
            mac.update(&[0]);
            mac.update(normalise(&value).as_bytes());
            let whole: [u8; MAC_LEN] = mac.finalize().into_bytes().into();
            prop_assert_eq!(key.mac(&field, &value), whole);
            prop_assert_eq!(&key.hash(&field, &value)[..], &whole[..HASH_LEN]);
        }

        #[test]
        fn anything_round_trips(plain in proptest::collection::vec(any::<u8>(), 0..2048), aad in ".{0,40}") {
            let ring = Keyring::new(&A, &[B]);
            let sealed = ring.seal(aad.as_bytes(), &plain).unwrap();
            prop_assert_eq!(ring.open(ring.current_id(), aad.as_bytes(), &sealed).unwrap(), plain);
        }
    }
}
