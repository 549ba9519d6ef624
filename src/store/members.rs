//! The records of a group row (`transaction_groups`), listed in plain beside the group sealed
//! with them: each one's id, time, route, outcome, correlation id, payer and NPI (what the
//! record's row in `transactions` holds in columns) and the keyed hashes searches match on. No
//! PHI: nothing here is more than those columns hold. Searches and lookups by id read the list
//! and open only the groups holding what they return. Stored as a marker byte (1), then LZ4 with
//! the length prepended of a count and each record's fields.

use super::crypto::HASH_LEN;
use super::frame::{Cursor, decompress, put, put_text};
use super::rows::{Prepared, field};
use super::{Details, Keyring, Query, StoreError, Transaction};

/// First byte of a compressed list.
const LZ4_LIST: u8 = 1;

/// One record of a group row, as listed: the transaction without its details (still sealed),
/// and its keyed hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub t: Transaction,
    /// First name, last name, member ID, date of birth, account number, MRN.
    pub hashes: [Option<[u8; HASH_LEN]>; 6],
}

/// The stored list of `rows`, in order (a record's place is its part in the group).
pub fn list<'a>(rows: impl ExactSizeIterator<Item = &'a Prepared>) -> Vec<u8> {
    let mut plain = Vec::with_capacity(rows.len() * 200);
    plain.extend_from_slice(&u32::try_from(rows.len()).unwrap_or(u32::MAX).to_le_bytes());
    for p in rows {
        put(&mut plain, p.id.as_bytes());
        plain.extend_from_slice(&p.processed_ms.to_le_bytes());
        for t in [&p.route, &p.status, &p.source_type] {
            put(&mut plain, t.as_bytes());
        }
        for t in [&p.source_id, &p.correlation_id, &p.payer_id, &p.npi] {
            put_text(&mut plain, t.as_deref());
        }
        let mut present = 0u8;
        for (i, h) in p.hashes.iter().take(6).enumerate() {
            if h.is_some() {
                present |= 1 << i;
            }
        }
        plain.push(present);
        for h in p.hashes.iter().take(6).flatten() {
            plain.extend_from_slice(h);
        }
    }
    let mut stored = vec![LZ4_LIST];
    stored.extend_from_slice(&lz4_flex::block::compress_prepend_size(&plain));
    stored
}

/// Reads a stored list of `account`'s records back.
pub fn read(stored: &[u8], account: &str) -> Result<Vec<Member>, StoreError> {
    let plain = match stored.split_first() {
        Some((&LZ4_LIST, packed)) => decompress(packed)?,
        _ => return Err(StoreError::Frame("not a list of records")),
    };
    let mut c = Cursor(&plain);
    let n = c.u32()?;
    // Each record takes at least 40 bytes: a corrupt count cannot over-allocate.
    let cap = usize::try_from(n)
        .unwrap_or(usize::MAX)
        .min(plain.len() / 40);
    let mut members = Vec::with_capacity(cap);
    for _ in 0..n {
        let id = c.string()?;
        let ms: [u8; 8] = c
            .take(8)?
            .try_into()
            .map_err(|_| StoreError::Frame("truncated"))?;
        let t = Transaction {
            id,
            account: account.to_owned(),
            processed_ms: i64::from_le_bytes(ms),
            route: c.string()?,
            status: c.string()?,
            source_type: c.string()?,
            source_id: c.text()?,
            correlation_id: c.text()?,
            payer_id: c.text()?,
            npi: c.text()?,
            details: Details::default(),
        };
        let mut hashes = [None; 6];
        let present = c.take(1)?.first().copied().unwrap_or(0);
        for (i, h) in hashes.iter_mut().enumerate() {
            if present & (1 << i) != 0 {
                let mut hash = [0u8; HASH_LEN];
                hash.copy_from_slice(c.take(HASH_LEN)?);
                *h = Some(hash);
            }
        }
        members.push(Member { t, hashes });
    }
    c.end()?;
    Ok(members)
}

/// What a search matches records on, as `transactions`' `WHERE` clause does in SQL
/// ([`super::rows::search`]): the same comparisons, made on a listed record.
pub struct Wanted {
    statuses: Vec<String>,
    correlation_id: Option<String>,
    npi: Option<String>,
    payer_id: Option<String>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    /// Per hashed field: the hashes that match (under every key, cut and whole).
    hashes: [Option<Vec<Vec<u8>>>; 6],
}

impl Wanted {
    pub fn of(keys: &Keyring, q: &Query) -> Self {
        let hashed = |f: &str, v: &Option<String>| v.as_deref().map(|v| keys.hashes(f, v));
        Self {
            statuses: q.statuses.clone(),
            correlation_id: q.correlation_id.clone(),
            npi: q.npi.as_deref().map(|n| n.trim().to_owned()),
            payer_id: q.payer_id.as_deref().map(|p| p.trim().to_ascii_uppercase()),
            start_ms: q.start_ms,
            end_ms: q.end_ms,
            hashes: [
                hashed(field::FIRST, &q.patient_first_name),
                hashed(field::LAST, &q.patient_last_name),
                hashed(field::MEMBER, &q.member_id),
                hashed(field::BIRTH, &q.patient_birth_date),
                hashed(field::ACCOUNT_NUMBER, &q.patient_account_number),
                hashed(field::MRN, &q.medical_record_number),
            ],
        }
    }

    pub fn matches(&self, m: &Member) -> bool {
        let t = &m.t;
        let equal = |want: &Option<String>, have: &Option<String>| {
            want.as_ref().is_none_or(|w| have.as_ref() == Some(w))
        };
        (self.statuses.is_empty() || self.statuses.contains(&t.status))
            && equal(&self.correlation_id, &t.correlation_id)
            && equal(&self.npi, &t.npi)
            && self.payer_id.as_ref().is_none_or(|w| {
                t.payer_id
                    .as_ref()
                    .is_some_and(|p| p.to_ascii_uppercase() == *w)
            })
            && self.start_ms.is_none_or(|s| t.processed_ms >= s)
            && self.end_ms.is_none_or(|e| t.processed_ms <= e)
            && self.hashes.iter().zip(&m.hashes).all(|(want, have)| {
                want.as_ref().is_none_or(|w| {
                    have.as_ref()
                        .is_some_and(|h| w.iter().any(|x| x.as_slice() == h.as_slice()))
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(i: u8) -> Prepared {
        Prepared {
            id: format!("id-{i}"),
            account: "a".into(),
            processed_ms: 1_000 + i64::from(i),
            route: "/change/medicalnetwork/eligibility/v3/raw-x12".into(),
            status: "eligible".into(),
            source_type: "new".into(),
            source_id: i.is_multiple_of(2).then(|| "orig".into()),
            correlation_id: Some(format!("corr-{i}")),
            payer_id: Some("AETNA".into()),
            npi: None,
            hashes: [
                Some([i; HASH_LEN]),
                None,
                Some([7; HASH_LEN]),
                None,
                None,
                Some([9; HASH_LEN]),
                Some([1; HASH_LEN]),
            ],
            key_id: String::new(),
            sealed: Vec::new(),
            group_id: None,
            part: None,
            group_ms: None,
            id_lookup: None,
        }
    }

    #[test]
    fn a_list_reads_back_as_written_without_the_dedup_hash() {
        let rows: Vec<Prepared> = (0..3).map(row).collect();
        let read = read(&list(rows.iter()), "a").unwrap();
        assert_eq!(read.len(), 3);
        for (m, p) in read.iter().zip(&rows) {
            assert_eq!(m.t.id, p.id);
            assert_eq!(m.t.account, "a");
            assert_eq!(m.t.processed_ms, p.processed_ms);
            assert_eq!(
                (&m.t.route, &m.t.status, &m.t.source_type),
                (&p.route, &p.status, &p.source_type)
            );
            assert_eq!(
                (&m.t.source_id, &m.t.correlation_id, &m.t.payer_id, &m.t.npi),
                (&p.source_id, &p.correlation_id, &p.payer_id, &p.npi)
            );
            assert_eq!(m.hashes[..], p.hashes[..6]);
        }
    }

    #[test]
    fn a_damaged_list_is_an_error() {
        let stored = list((0..3).map(row).collect::<Vec<_>>().iter());
        assert!(read(&stored[..stored.len() - 1], "a").is_err());
        assert!(read(&[], "a").is_err());
        assert!(read(&[2, 0, 0, 0, 0], "a").is_err());
        // A count far past what the bytes hold.
        let mut plain = u32::MAX.to_le_bytes().to_vec();
        plain.extend_from_slice(&[0; 8]);
        let mut forged = vec![LZ4_LIST];
        forged.extend_from_slice(&lz4_flex::block::compress_prepend_size(&plain));
        assert!(read(&forged, "a").is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_read_as_a_list_or_an_error(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut stored = vec![LZ4_LIST];
            stored.extend_from_slice(&lz4_flex::block::compress_prepend_size(&bytes));
            let _ = read(&stored, "a");
            let _ = read(&bytes, "a");
        }
    }
}
