//! A segment with its elements cut once. The mapper reads most elements of every segment, some
//! twice (a code and its name); cutting on each read (`Segment::element` splits from the start)
//! cost half of the mapping time on the benchmark 271.

use std::ops::Deref;

use crate::x12::Segment;

/// The tag and 17 elements: more than any 5010 271 segment has (ISA has 16, EB 14, HI 12); a
/// longer segment's extra elements read as absent. Kept small: every segment fills the array.
const MAX: usize = 18;

/// A [`Segment`] with its elements as slices; `element`, `raw_element`, `component`
/// and `components` shadow the segment's own, with the same meaning.
#[derive(Debug, Clone)]
pub struct Seg<'a> {
    segment: Segment<'a>,
    /// `items[0]` is the tag; `items[n]` element `n`. Only `..len` are set.
    items: [&'a str; MAX],
    len: usize,
}

/// Splits on one ASCII byte without a searcher per piece (elements are short).
fn pieces(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    s.split(move |c: char| c == char::from(sep))
}

impl<'a> Seg<'a> {
    /// Cuts `seg` into its elements.
    pub fn new(seg: Segment<'a>) -> Self {
        let text = seg.text();
        let sep = seg.delimiters().element;
        let mut items = [""; MAX];
        let mut len = 0;
        let mut start = 0;
        // A byte loop: the separator is ASCII, so every cut is a char boundary, and decoding
        // chars (as `str::split` does) cost more than the rest of the mapping of an element.
        for (i, _) in text.bytes().enumerate().filter(|(_, b)| *b == sep) {
            if let Some(slot) = items.get_mut(len) {
                *slot = text.get(start..i).unwrap_or("");
                len += 1;
            }
            start = i + 1;
        }
        if let Some(slot) = items.get_mut(len) {
            *slot = text.get(start..).unwrap_or("");
            len += 1;
        }
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

impl<'a> Deref for Seg<'a> {
    type Target = Segment<'a>;

    fn deref(&self) -> &Segment<'a> {
        &self.segment
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x12::Reader;

    /// The cut elements mean exactly what `Segment`'s own accessors return.
    #[test]
    fn agrees_with_the_segment_accessors() {
        let x12 = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~EB*C*IND*BC^A4^^6*HM**23*0.00****N*Y*HC:99213:25*1:2~HI*ABK:I10*ABF:E119~MSG~N3**~";
        for seg in Reader::new(x12).unwrap().map(Result::unwrap) {
            let cut = Seg::new(seg);
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
