//! Delimiter standardisation: a byte-for-byte translation to `* ^ : ~`, possible only when no
//! standard delimiter character is data.

use crate::x12::{Delimiters, Segment};

/// The standard delimiters we write.
pub const STANDARD: Delimiters = Delimiters {
    element: b'*',
    repetition: Some(b'^'),
    component: b':',
    segment: b'~',
};

/// `input` with standard delimiters when that is a byte-for-byte translation: the delimiters are
/// not standard, ISA11 is a repetition separator, and no standard delimiter character is data.
/// Otherwise `None`, and [`repair`] decides (and reports any conflict where it is).
pub fn standardised(input: &str, from: Delimiters) -> Option<String> {
    if from == STANDARD || from.repetition.is_none() {
        return None;
    }
    let (text, conflict) = translate(input, from);
    (!conflict).then_some(text)
}

/// `input` with its delimiters replaced by the standard ones, and whether a standard delimiter
/// character that is not one of `from` occurs (as data) anywhere.
pub(super) fn translate(input: &str, from: Delimiters) -> (String, bool) {
    // One table lookup per byte: the translated byte, with bit 8 set for a conflicting byte.
    let mut table = [0u16; 256];
    for (b, slot) in (0u8..=255).zip(table.iter_mut()) {
        *slot = u16::from(b);
        if STANDARD.is_delimiter(b) && !from.is_delimiter(b) {
            *slot |= 0x100;
        }
    }
    let pairs = [
        (Some(from.element), STANDARD.element),
        (Some(from.component), STANDARD.component),
        (Some(from.segment), STANDARD.segment),
        (from.repetition, b'^'),
    ];
    for (b, to) in pairs {
        if let Some(slot) = b.and_then(|b| table.get_mut(usize::from(b))) {
            *slot = u16::from(to);
        }
    }
    let mut conflict = 0u16;
    // Delimiters are ASCII and map to ASCII, so every other byte (UTF-8 included) is kept as is.
    let bytes: Vec<u8> = input
        .bytes()
        .map(|b| {
            let t = table.get(usize::from(b)).copied().unwrap_or(0);
            conflict |= t;
            t.to_le_bytes()[0]
        })
        .collect();
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    (text, conflict & 0x100 != 0)
}

/// The first place where a standard delimiter character is data (not one of the input's
/// delimiters): rewriting the delimiters would change that value's meaning.
pub(super) fn delimiter_conflict(segs: &[Segment<'_>], from: Delimiters) -> Option<(u32, usize)> {
    for seg in segs {
        let mut offset = seg.offset;
        for (i, part) in crate::x12::split_byte(seg.text(), from.element).enumerate() {
            // ISA11 and ISA16 hold delimiters by design.
            let skip = seg.tag == "ISA" && matches!(i, 11 | 16);
            if !skip
                && let Some(at) = part
                    .bytes()
                    .position(|b| STANDARD.is_delimiter(b) && !from.is_delimiter(b))
            {
                return Some((seg.index, offset + at));
            }
            offset += part.len() + 1;
        }
    }
    None
}
