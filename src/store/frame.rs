//! What a record's sealed plaintext is. Written today: a marker byte, then LZ4 (block format,
//! length prepended) of a frame: the JSON of the short details (people, errors, warnings) and
//! the three long texts (the 270, the 271, the answered body, itself JSON) as raw bytes with
//! their lengths, so they are neither escaped nor scanned. Rows written before hold bare JSON of
//! [`Details`], which starts with `{`: both read.

use serde::Serialize;

use super::{Details, Person, StoreError};

/// First byte of a compressed frame.
const LZ4_FRAME: u8 = 1;
/// The most a stored record may unpack to: a corrupt length never allocates beyond it.
const MAX_UNPACKED: usize = 64 << 20;

/// [`Details`] without its long texts, borrowed (the frame's head).
#[derive(Serialize)]
struct Head<'a> {
    patient: &'a Person,
    subscriber: &'a Person,
    patient_account_number: &'a Option<String>,
    medical_record_number: &'a Option<String>,
    payer_name: &'a Option<String>,
    http_status: u16,
    errors: &'a [String],
    warnings: &'a [String],
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths fit: a record is bounded by the request body limit, far below 4 GiB.
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

/// The plaintext to seal for `d`.
pub fn pack(d: &Details) -> Result<Vec<u8>, StoreError> {
    let head = sonic_rs::to_vec(&Head {
        patient: &d.patient,
        subscriber: &d.subscriber,
        patient_account_number: &d.patient_account_number,
        medical_record_number: &d.medical_record_number,
        payer_name: &d.payer_name,
        http_status: d.http_status,
        errors: &d.errors,
        warnings: &d.warnings,
    })
    .map_err(|e| StoreError::Details {
        line: e.line(),
        column: e.column(),
    })?;
    let texts = [&d.x12_270, &d.x12_271, &d.response];
    let long: usize = texts
        .iter()
        .filter_map(|t| t.as_ref())
        .map(String::len)
        .sum();
    let mut frame = Vec::with_capacity(head.len() + long + 20);
    put(&mut frame, &head);
    for text in texts {
        match text {
            Some(t) => {
                frame.push(1);
                put(&mut frame, t.as_bytes());
            }
            None => frame.push(0),
        }
    }
    let compressed = lz4_flex::block::compress_prepend_size(&frame);
    let mut out = Vec::with_capacity(compressed.len() + 1);
    out.push(LZ4_FRAME);
    out.extend_from_slice(&compressed);
    Ok(out)
}

/// Reads a frame front to back.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let (taken, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(StoreError::Frame("truncated"))?;
        self.0 = rest;
        Ok(taken)
    }

    fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| StoreError::Frame("truncated"))?;
        let len = usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX);
        self.take(len)
    }

    fn text(&mut self) -> Result<Option<String>, StoreError> {
        match self.take(1)? {
            [0] => Ok(None),
            [1] => String::from_utf8(self.bytes()?.to_vec())
                .map(Some)
                .map_err(|_| StoreError::Frame("a text is not UTF-8")),
            _ => Err(StoreError::Frame("bad text marker")),
        }
    }
}

/// The details of an opened plaintext, framed or bare JSON.
pub fn unpack(plain: &[u8]) -> Result<Details, StoreError> {
    let json = |bytes: &[u8]| {
        serde_json::from_slice::<Details>(bytes).map_err(|e| StoreError::Details {
            line: e.line(),
            column: e.column(),
        })
    };
    let Some((&LZ4_FRAME, packed)) = plain.split_first() else {
        return json(plain);
    };
    let (size, body) =
        lz4_flex::block::uncompressed_size(packed).map_err(|_| StoreError::Frame("no length"))?;
    if size > MAX_UNPACKED {
        return Err(StoreError::Frame("too long"));
    }
    let frame = lz4_flex::block::decompress(body, size)
        .map_err(|_| StoreError::Frame("does not decompress"))?;
    let mut cursor = Cursor(&frame);
    let mut details = json(cursor.bytes()?)?;
    details.x12_270 = cursor.text()?;
    details.x12_271 = cursor.text()?;
    details.response = cursor.text()?;
    if cursor.0.is_empty() {
        Ok(details)
    } else {
        Err(StoreError::Frame("trailing bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Details {
        Details {
            patient: Person {
                first_name: Some("JOHN".into()),
                ..Person::default()
            },
            x12_270: Some("ST*270*0001~".into()),
            x12_271: None,
            response: Some("{\"a\":\"\\\"q\\\"\"}".into()),
            http_status: 200,
            warnings: vec!["w: x".into()],
            ..Details::default()
        }
    }

    #[test]
    fn a_frame_round_trips_and_is_smaller_than_its_json() {
        let d = sample();
        assert_eq!(unpack(&pack(&d).unwrap()).unwrap(), d);
        let mut big = sample();
        big.response = Some("{\"benefit\":\"Active Coverage\"},".repeat(300));
        let packed = pack(&big).unwrap();
        assert!(packed.len() * 4 < serde_json::to_vec(&big).unwrap().len());
        assert_eq!(unpack(&packed).unwrap(), big);
    }

    #[test]
    fn rows_written_as_bare_json_still_read() {
        let d = sample();
        assert_eq!(unpack(&serde_json::to_vec(&d).unwrap()).unwrap(), d);
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let packed = pack(&sample()).unwrap();
        for cut in 0..packed.len() {
            let _ = unpack(packed.get(..cut).unwrap_or_default());
        }
        let mut huge = vec![LZ4_FRAME];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(unpack(&huge), Err(StoreError::Frame(_))));
    }
}
