//! What a record's sealed plaintext is. A record's frame is length-prefixed fields: the people
//! (or one byte saying its 270 names them), the short fields, the errors and warnings, then the
//! long texts (the 270, the 271) as raw bytes, so nothing is escaped or scanned. Written today: a
//! marker byte (3), then LZ4 (block format, length prepended) of a group of frames, each after
//! its record's id; or, for a record sealed alone, marker 2 and LZ4 of its frame. Read too:
//! frames of marker 1 (the short fields as JSON, then three texts, the answered body last) and
//! rows of bare JSON of [`Details`], which start with `{`.

use serde::Deserialize;

use super::{Details, Person, StoreError};

/// First byte of a compressed frame whose head is JSON (written before marker 2).
const LZ4_JSON_HEAD: u8 = 1;
/// First byte of a compressed frame of length-prefixed fields.
const LZ4_FIELDS: u8 = 2;
/// First byte of a compressed group: several records' frames, each after its transaction id,
/// compressed as one block (records written together share most of their bytes).
const LZ4_GROUP: u8 = 3;
/// Where a frame's people start, instead of them: they are the 270's (see
/// [`Details::people_in_270`]). A text field starts with 0 or 1, so this reads unambiguously.
const PEOPLE_IN_270: u8 = 2;
/// The most a stored record may unpack to: a corrupt length never allocates beyond it.
const MAX_UNPACKED: usize = 64 << 20;

/// The JSON head of a marker-1 frame.
#[derive(Deserialize)]
struct JsonHead {
    patient: Person,
    subscriber: Person,
    patient_account_number: Option<String>,
    medical_record_number: Option<String>,
    payer_name: Option<String>,
    http_status: u16,
    errors: Vec<String>,
    warnings: Vec<String>,
}

pub(super) fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    // Lengths fit: a record is bounded by the request body limit, far below 4 GiB.
    out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

pub(super) fn put_text(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(t) => {
            out.push(1);
            put(out, t.as_bytes());
        }
        None => out.push(0),
    }
}

fn put_list(out: &mut Vec<u8>, items: &[String]) {
    out.extend_from_slice(&u32::try_from(items.len()).unwrap_or(u32::MAX).to_le_bytes());
    for item in items {
        put(out, item.as_bytes());
    }
}

fn person_fields(p: &Person) -> [Option<&str>; 6] {
    [
        p.first_name.as_deref(),
        p.last_name.as_deref(),
        p.middle_name.as_deref(),
        p.member_id.as_deref(),
        p.birth_date.as_deref(),
        p.gender.as_deref(),
    ]
}

thread_local! {
    /// Each thread's group frame under construction, kept between groups.
    static FRAME: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A kept frame buffer larger than this is let go after use (one huge record does not pin it).
const FRAME_KEPT: usize = 1 << 20;

/// `d`'s frame (uncompressed), in a buffer of its own.
pub fn frame_of(d: &Details) -> Vec<u8> {
    let mut frame = Vec::with_capacity(d.texts_len() + 512);
    if d.people_in_270 {
        frame.push(PEOPLE_IN_270);
    } else {
        for person in [&d.patient, &d.subscriber] {
            for field in person_fields(person) {
                put_text(&mut frame, field);
            }
        }
        for field in [
            &d.patient_account_number,
            &d.medical_record_number,
            &d.payer_name,
        ] {
            put_text(&mut frame, field.as_deref());
        }
    }
    frame.extend_from_slice(&d.http_status.to_le_bytes());
    put_list(&mut frame, &d.errors);
    put_list(&mut frame, &d.warnings);
    for text in [&d.x12_270, &d.x12_271, &d.response] {
        put_text(&mut frame, text.as_deref());
    }
    frame
}

/// Builds the frame of a group in this thread's buffer (a count, then each record's id and
/// frame, length-prefixed, in order) and hands it to `then`.
pub fn grouped<'a, T>(
    records: impl ExactSizeIterator<Item = (&'a str, &'a [u8])>,
    then: impl FnOnce(&[u8]) -> T,
) -> T {
    FRAME.with_borrow_mut(|frame| {
        frame.clear();
        frame.extend_from_slice(
            &u32::try_from(records.len())
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        for (id, record) in records {
            put(frame, id.as_bytes());
            put(frame, record);
        }
        let out = then(frame);
        if frame.capacity() > FRAME_KEPT {
            *frame = Vec::new();
        }
        out
    })
}

/// Hands `then` the stored form of a record's `frame`: the marker, then LZ4 with the length
/// prepended.
pub fn compressed<T>(frame: &[u8], then: impl FnOnce(&[u8]) -> T) -> T {
    compressed_marked(LZ4_FIELDS, frame, then)
}

/// As [`compressed`], for a group's frame.
pub fn group_compressed<T>(frame: &[u8], then: impl FnOnce(&[u8]) -> T) -> T {
    compressed_marked(LZ4_GROUP, frame, then)
}

thread_local! {
    /// Each thread's room for compressing. It keeps its length between uses: LZ4 wants the
    /// whole worst case as initialised room, and zeroing ~32 KB for each group of ~3 KB
    /// compressed was the sealing's largest memory cost (profiled).
    static PACKED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn compressed_marked<T>(marker: u8, frame: &[u8], then: impl FnOnce(&[u8]) -> T) -> T {
    const HEAD: usize = 5;
    PACKED.with_borrow_mut(|room| {
        let need = HEAD + lz4_flex::block::get_maximum_output_size(frame.len());
        if room.len() < need {
            room.resize(need, 0);
        }
        // Lengths fit: a record is bounded by the request body limit, far below 4 GiB.
        let len = u32::try_from(frame.len()).unwrap_or(u32::MAX).to_le_bytes();
        let written = room.split_at_mut_checked(HEAD).and_then(|(head, body)| {
            let (m, l) = head.split_first_mut()?;
            *m = marker;
            l.copy_from_slice(&len);
            lz4_flex::block::compress_into(frame, body).ok()
        });
        let out = if let Some(packed) = written.and_then(|n| room.get(..HEAD + n)) {
            then(packed)
        } else {
            // The room is the documented maximum, so this does not run; were it ever short,
            // the allocating compressor still stores the record whole.
            let mut packed = vec![marker];
            packed.extend_from_slice(&len);
            packed.extend_from_slice(&lz4_flex::block::compress(frame));
            then(&packed)
        };
        if room.len() > FRAME_KEPT {
            *room = Vec::new();
        }
        out
    })
}

/// The plaintext sealed for `d` alone.
#[cfg(test)]
pub fn pack(d: &Details) -> Vec<u8> {
    compressed(&frame_of(d), <[u8]>::to_vec)
}

/// Reads a frame front to back.
pub(super) struct Cursor<'a>(pub(super) &'a [u8]);

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let (taken, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(StoreError::Frame("truncated"))?;
        self.0 = rest;
        Ok(taken)
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8], StoreError> {
        let len: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| StoreError::Frame("truncated"))?;
        let len = usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX);
        self.take(len)
    }

    pub(super) fn string(&mut self) -> Result<String, StoreError> {
        String::from_utf8(self.bytes()?.to_vec())
            .map_err(|_| StoreError::Frame("a text is not UTF-8"))
    }

    pub(super) fn text(&mut self) -> Result<Option<String>, StoreError> {
        match self.take(1)? {
            [0] => Ok(None),
            [1] => self.string().map(Some),
            _ => Err(StoreError::Frame("bad text marker")),
        }
    }

    pub(super) fn u32(&mut self) -> Result<u32, StoreError> {
        let n: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| StoreError::Frame("truncated"))?;
        Ok(u32::from_le_bytes(n))
    }

    fn list(&mut self) -> Result<Vec<String>, StoreError> {
        let n = self.u32()?;
        // Each item takes at least its 4-byte length: a corrupt count cannot over-allocate.
        let cap = usize::try_from(n)
            .unwrap_or(usize::MAX)
            .min(self.0.len() / 4);
        let mut items = Vec::with_capacity(cap);
        for _ in 0..n {
            items.push(self.string()?);
        }
        Ok(items)
    }

    /// A frame of marker 2, as [`frame_of`] wrote it.
    fn fields(&mut self) -> Result<Details, StoreError> {
        let people_in_270 = self.0.first() == Some(&PEOPLE_IN_270);
        let mut d = if people_in_270 {
            self.take(1)?;
            Details {
                people_in_270,
                ..Details::default()
            }
        } else {
            Details {
                patient: self.person()?,
                subscriber: self.person()?,
                patient_account_number: self.text()?,
                medical_record_number: self.text()?,
                payer_name: self.text()?,
                ..Details::default()
            }
        };
        d.http_status = {
            let n: [u8; 2] = self
                .take(2)?
                .try_into()
                .map_err(|_| StoreError::Frame("truncated"))?;
            u16::from_le_bytes(n)
        };
        d.errors = self.list()?;
        d.warnings = self.list()?;
        d.x12_270 = self.text()?;
        d.x12_271 = self.text()?;
        d.response = self.text()?;
        Ok(d)
    }

    pub(super) fn end(&self) -> Result<(), StoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Frame("trailing bytes"))
        }
    }

    fn person(&mut self) -> Result<Person, StoreError> {
        Ok(Person {
            first_name: self.text()?,
            last_name: self.text()?,
            middle_name: self.text()?,
            member_id: self.text()?,
            birth_date: self.text()?,
            gender: self.text()?,
        })
    }
}

fn json(bytes: &[u8]) -> Result<Details, StoreError> {
    serde_json::from_slice::<Details>(bytes).map_err(|e| StoreError::Details {
        line: e.line(),
        column: e.column(),
    })
}

/// Unpacks a compressed block (after its marker), refusing a length past [`MAX_UNPACKED`].
pub(super) fn decompress(packed: &[u8]) -> Result<Vec<u8>, StoreError> {
    let (size, body) =
        lz4_flex::block::uncompressed_size(packed).map_err(|_| StoreError::Frame("no length"))?;
    if size > MAX_UNPACKED {
        return Err(StoreError::Frame("too long"));
    }
    lz4_flex::block::decompress(body, size).map_err(|_| StoreError::Frame("does not decompress"))
}

/// The details of an opened plaintext: either frame, or bare JSON.
pub fn unpack(plain: &[u8]) -> Result<Details, StoreError> {
    let (marker, packed) = match plain.split_first() {
        Some((&m, packed)) if m == LZ4_FIELDS || m == LZ4_JSON_HEAD => (m, packed),
        _ => return json(plain),
    };
    let frame = decompress(packed)?;
    let mut cursor = Cursor(&frame);
    let details = if marker == LZ4_FIELDS {
        cursor.fields()?
    } else {
        let head: JsonHead =
            serde_json::from_slice(cursor.bytes()?).map_err(|e| StoreError::Details {
                line: e.line(),
                column: e.column(),
            })?;
        Details {
            patient: head.patient,
            subscriber: head.subscriber,
            patient_account_number: head.patient_account_number,
            medical_record_number: head.medical_record_number,
            payer_name: head.payer_name,
            http_status: head.http_status,
            errors: head.errors,
            warnings: head.warnings,
            x12_270: cursor.text()?,
            x12_271: cursor.text()?,
            response: cursor.text()?,
            people_in_270: false,
        }
    };
    cursor.end()?;
    Ok(details)
}

/// An opened group: its records' frames, read one at a time.
#[derive(Debug)]
pub struct Group(Vec<u8>);

impl Group {
    /// Unpacks an opened group's plaintext.
    pub fn unpack(plain: &[u8]) -> Result<Self, StoreError> {
        match plain.split_first() {
            Some((&LZ4_GROUP, packed)) => Ok(Self(decompress(packed)?)),
            _ => Err(StoreError::Frame("not a group")),
        }
    }

    /// The details at `part`, which must be the record `id`'s (a row pointed at another
    /// record's part is refused).
    pub fn details(&self, part: usize, id: &str) -> Result<Details, StoreError> {
        let mut cursor = Cursor(&self.0);
        let count = usize::try_from(cursor.u32()?).unwrap_or(usize::MAX);
        if part >= count {
            return Err(StoreError::Frame("no such part"));
        }
        for _ in 0..part {
            cursor.bytes()?;
            cursor.bytes()?;
        }
        if cursor.bytes()? != id.as_bytes() {
            return Err(StoreError::Frame("part of another record"));
        }
        let mut record = Cursor(cursor.bytes()?);
        let details = record.fields()?;
        record.end()?;
        Ok(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Details {
        Details {
            patient: Person {
                first_name: Some("JOHN".into()),
                birth_date: Some("1980-01-02".into()),
                ..Person::default()
            },
            subscriber: Person {
                last_name: Some("DOE".into()),
                member_id: Some(String::new()),
                ..Person::default()
            },
            medical_record_number: Some("MRN 1".into()),
            x12_270: Some("ST*270*0001~".into()),
            x12_271: None,
            response: Some("{\"a\":\"\\\"q\\\"\"}".into()),
            http_status: 400,
            errors: vec!["e: one".into(), String::new()],
            warnings: vec!["w: x".into()],
            ..Details::default()
        }
    }

    /// A frame as marker 1 wrote it: the short fields as JSON, then the three texts.
    fn pack_json_head(d: &Details) -> Vec<u8> {
        let head = serde_json::json!({
            "patient": d.patient, "subscriber": d.subscriber,
            "patient_account_number": d.patient_account_number,
            "medical_record_number": d.medical_record_number, "payer_name": d.payer_name,
            "http_status": d.http_status, "errors": d.errors, "warnings": d.warnings,
        });
        let mut frame = Vec::new();
        put(&mut frame, &serde_json::to_vec(&head).unwrap());
        for t in [&d.x12_270, &d.x12_271, &d.response] {
            put_text(&mut frame, t.as_deref());
        }
        let mut out = vec![LZ4_JSON_HEAD];
        out.extend_from_slice(&lz4_flex::block::compress_prepend_size(&frame));
        out
    }

    #[test]
    fn frames_with_a_json_head_still_read() {
        let d = sample();
        assert_eq!(unpack(&pack_json_head(&d)).unwrap(), d);
    }

    #[test]
    fn a_frame_round_trips_and_is_smaller_than_its_json() {
        let d = sample();
        assert_eq!(unpack(&pack(&d)).unwrap(), d);
        let mut big = sample();
        big.response = Some("{\"benefit\":\"Active Coverage\"},".repeat(300));
        let packed = pack(&big);
        assert!(packed.len() * 4 < serde_json::to_vec(&big).unwrap().len());
        assert_eq!(unpack(&packed).unwrap(), big);
    }

    #[test]
    fn a_frame_whose_people_are_the_270s_holds_none_of_them() {
        let held = sample();
        let d = Details {
            people_in_270: true,
            patient: Person::default(),
            subscriber: Person::default(),
            medical_record_number: None,
            ..sample()
        };
        let frame = frame_of(&d);
        assert_eq!(frame.first(), Some(&PEOPLE_IN_270));
        // One byte where the held people took fifteen fields.
        assert_eq!(frame_of(&held).len() - frame.len(), 15 + 5 * 4 + 22 - 1);
        assert_eq!(unpack(&pack(&d)).unwrap(), d);
        // Whatever is held beside the flag is not written: the 270 says it.
        let stray = Details {
            people_in_270: true,
            ..sample()
        };
        assert_eq!(unpack(&pack(&stray)).unwrap(), d);
    }

    #[test]
    fn rows_written_as_bare_json_still_read() {
        let d = sample();
        assert_eq!(unpack(&serde_json::to_vec(&d).unwrap()).unwrap(), d);
    }

    #[test]
    fn a_damaged_frame_is_an_error_not_a_panic() {
        let packed = pack(&sample());
        for cut in 0..packed.len() {
            let _ = unpack(packed.get(..cut).unwrap_or_default());
        }
        let mut huge = vec![LZ4_FIELDS];
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(unpack(&huge), Err(StoreError::Frame(_))));
    }

    #[test]
    fn the_kept_compression_buffer_hands_out_only_what_was_written() {
        let small = sample();
        let mut big = sample();
        big.x12_271 = Some("EB*1**30*PR*GOLD~MSG*A NOTE THAT VARIES ".repeat(2_000));
        let small_alone = pack(&small);
        // The buffer grows for the big record and keeps its size: what follows it must not
        // carry the big record's leftovers.
        assert_eq!(unpack(&pack(&big)).unwrap(), big);
        let small_after = pack(&small);
        assert_eq!(small_after, small_alone);
        assert_eq!(unpack(&small_after).unwrap(), small);
    }
}
