//! A segment with its elements cut once, for the response mappers (271, 277), which read most
//! elements of every segment, some twice (a code and its name); cutting on each read
//! (`Segment::element` splits from the start) cost half of the mapping time on the benchmark 271.

use std::ops::Deref;

use super::Segment;

/// The tag and 17 elements: more than any 5010 271/277 segment has (ISA has 16, EB 14, STC 12); a
/// longer segment's extra elements read as absent. Kept small: every segment fills the array.
const MAX: usize = 18;

/// A [`Segment`] with its elements as slices; `element`, `raw_element`, `component`
/// and `components` shadow the segment's own, with the same meaning.
#[derive(Debug, Clone)]
pub struct CutSegment<'a> {
    segment: Segment<'a>,
    /// `items[0]` is the tag; `items[n]` element `n`. Only `..len` are set.
    items: [&'a str; MAX],
    len: usize,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The high bit of each byte of `word` that equals `needle`, and no other bit.
fn equal_bytes(word: u64, needle: u8) -> u64 {
    let x = word ^ (ONES * u64::from(needle));
    // A byte of `x` is zero exactly when adding 0x7f to its low 7 bits leaves bit 7 clear and
    // its own bit 7 is clear; no carry crosses bytes.
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Calls `found` with each offset of `needle` in `hay`, in order, eight bytes at a time: a branch
/// per byte (or a `memchr` call per element, as `str::split` makes) cost more than the rest of the
/// mapping of an element.
fn each_position(hay: &[u8], needle: u8, found: &mut impl FnMut(usize)) {
    let mut words = hay.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut words {
        let word = <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes);
        let mut mask = equal_bytes(word, needle);
        while mask != 0 {
            found(base + (mask.trailing_zeros() / 8) as usize);
            mask &= mask - 1;
        }
        base += 8;
    }
    for (i, b) in words.remainder().iter().enumerate() {
        if *b == needle {
            found(base + i);
        }
    }
}

/// Splits on one ASCII byte without a searcher per piece (elements are short).
fn pieces(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    s.split(move |c: char| c == char::from(sep))
}

impl<'a> CutSegment<'a> {
    /// Cuts `seg` into its elements.
    pub fn new(seg: Segment<'a>) -> Self {
        let text = seg.text();
        let mut items = [""; MAX];
        let mut len = 0;
        let mut start = 0;
        let mut cut = |at: usize| {
            if let Some(slot) = items.get_mut(len) {
                *slot = text.get(start..at).unwrap_or("");
                len += 1;
            }
            start = at + 1;
        };
        each_position(text.as_bytes(), seg.delimiters().element, &mut cut);
        cut(text.len());
        Self {
            segment: seg,
            items,
            len,
        }
    }

    /// Element `n` (1-based); `None` when absent or empty.
    pub fn element(&self, n: usize) -> Option<&'a str> {
        self.raw_element(n).filter(|e| !e.is_empty())
    }

    /// Element `n`, `Some("")` when present but empty.
    pub fn raw_element(&self, n: usize) -> Option<&'a str> {
        if n == 0 || n >= self.len {
            return None;
        }
        self.items.get(n).copied()
    }

    /// Components of element `n` (one item when not composite).
    pub fn components(&self, n: usize) -> impl Iterator<Item = &'a str> + use<'a> {
        pieces(
            self.raw_element(n).unwrap_or(""),
            self.segment.delimiters().component,
        )
    }

    /// Component `k` (1-based) of element `n`; `None` when absent or empty.
    pub fn component(&self, n: usize, k: usize) -> Option<&'a str> {
        if k == 0 {
            return None;
        }
        self.components(n).nth(k - 1).filter(|c| !c.is_empty())
    }
}

impl<'a> Deref for CutSegment<'a> {
    type Target = Segment<'a>;

    fn deref(&self) -> &Segment<'a> {
        &self.segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x12::Reader;

    #[test]
    fn positions_finds_every_separator_and_nothing_else() {
        let text = "EB*C*IND*BC^A4***0.00*\u{e9}*N**Y*1234567*1234567890123456*";
        for needle in [b'*', b'^', b'1', b'\xc3', b'Z'] {
            let want: Vec<usize> = text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == needle)
                .map(|(i, _)| i)
                .collect();
            let mut got = Vec::new();
            each_position(text.as_bytes(), needle, &mut |at| got.push(at));
            assert_eq!(got, want);
        }
        for b in 0..=255u8 {
            let word = u64::from_le_bytes([b, 0, 255, b, 1, 128, b.wrapping_add(1), 42]);
            let mask = equal_bytes(word, b);
            let want: u64 = word
                .to_le_bytes()
                .iter()
                .enumerate()
                .filter(|(_, x)| **x == b)
                .map(|(i, _)| 0x80u64 << (8 * i))
                .sum();
            assert_eq!(mask, want, "{b}");
        }
    }

    /// The cut elements mean exactly what `Segment`'s own accessors return.
    #[test]
    fn agrees_with_the_segment_accessors() {
        let x12 = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~EB*C*IND*BC^A4^^6*HM**23*0.00****N*Y*HC:99213:25*1:2~HI*ABK:I10*ABF:E119~MSG~N3**~";
        for seg in Reader::new(x12).unwrap().map(Result::unwrap) {
            let cut = CutSegment::new(seg);
            for n in 0..20 {
                assert_eq!(cut.element(n), seg.element(n), "{} {n}", seg.tag);
                assert_eq!(cut.raw_element(n), seg.raw_element(n), "{} {n}", seg.tag);
                for k in 0..5 {
                    assert_eq!(cut.component(n, k), seg.component(n, k));
                }
            }
        }
    }
}
