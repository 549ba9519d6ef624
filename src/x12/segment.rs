//! One segment, borrowed from the input, with its position.

use super::{Delimiters, Position, SplitByte, find_byte, split_byte};

/// A segment: its tag, its elements (cut on demand, never copied) and where it sits.
#[derive(Clone, Copy, Debug)]
pub struct Segment<'a> {
    /// The segment ID, e.g. `NM1`.
    pub tag: &'a str,
    /// Everything after the tag, terminator excluded; starts with the element separator unless empty.
    rest: &'a str,
    /// Tag and rest together.
    text: &'a str,
    /// 1-based index in the interchange; `ISA` is 1.
    pub index: u32,
    /// Byte offset of the tag in the input.
    pub offset: usize,
    /// False only for a final segment that ran into the end of input without its terminator.
    pub terminated: bool,
    delims: Delimiters,
}

impl<'a> Segment<'a> {
    /// Builds a segment from its text (terminator excluded). The tag ends at the first element separator.
    pub fn new(
        text: &'a str,
        index: u32,
        offset: usize,
        terminated: bool,
        delims: Delimiters,
    ) -> Self {
        let cut = find_byte(text, delims.element).unwrap_or(text.len());
        let (tag, rest) = text.split_at(cut);
        Self {
            tag,
            rest,
            text,
            index,
            offset,
            terminated,
            delims,
        }
    }

    /// The delimiters of the interchange this segment came from.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// The whole segment text without its terminator.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Element `n` as the guide numbers it (1-based); `None` when absent or empty.
    pub fn element(&self, n: usize) -> Option<&'a str> {
        self.raw_element(n).filter(|e| !e.is_empty())
    }

    /// Element `n`, `Some("")` when present but empty, `None` when the segment has fewer elements.
    pub fn raw_element(&self, n: usize) -> Option<&'a str> {
        if n == 0 {
            return None;
        }
        split_byte(self.rest, self.delims.element).nth(n)
    }

    /// The elements in order, from element 1; empty ones are `""`.
    pub fn elements(&self) -> std::iter::Skip<SplitByte<'a>> {
        split_byte(self.rest, self.delims.element).skip(1)
    }

    /// How many elements the segment has, counting empty ones before the last separator.
    pub fn element_count(&self) -> usize {
        self.rest
            .bytes()
            .filter(|&b| b == self.delims.element)
            .count()
    }

    /// Components of element `n` split on the component separator (one item when not composite).
    pub fn components(&self, n: usize) -> SplitByte<'a> {
        split_byte(self.raw_element(n).unwrap_or(""), self.delims.component)
    }

    /// Component `k` (1-based) of element `n`; `None` when absent or empty.
    pub fn component(&self, n: usize, k: usize) -> Option<&'a str> {
        if k == 0 {
            return None;
        }
        self.components(n).nth(k - 1).filter(|c| !c.is_empty())
    }

    /// Repetitions of element `n` split on the repetition separator (one item when it has none).
    pub fn repeats(&self, n: usize) -> impl Iterator<Item = &'a str> + use<'a> {
        let value = self.element(n).unwrap_or("");
        let sep = self.delims.repetition;
        let mut rest = Some(value);
        std::iter::from_fn(move || {
            let v = rest?;
            if v.is_empty() {
                rest = None;
                return None;
            }
            if let Some(i) = sep.and_then(|s| find_byte(v, s)) {
                rest = v.get(i + 1..);
                v.get(..i)
            } else {
                rest = None;
                Some(v)
            }
        })
        .filter(|r| !r.is_empty())
    }

    /// Byte offset of element `n` (1-based) in the input, or of the segment when absent.
    pub fn element_offset(&self, n: usize) -> usize {
        let mut off = self.offset + self.tag.len();
        for (i, e) in split_byte(self.rest, self.delims.element).enumerate() {
            if i == n {
                return off + 1;
            }
            off += e.len() + usize::from(i > 0);
        }
        self.offset
    }

    /// This segment's position, optionally narrowed to element `n`.
    pub fn position(&self, element: usize) -> Position {
        Position {
            segment: self.index,
            element: u8::try_from(element).unwrap_or(u8::MAX),
            offset: if element == 0 {
                self.offset
            } else {
                self.element_offset(element)
            },
        }
    }

    /// Byte offset just past the segment text (where its terminator is).
    pub fn end(&self) -> usize {
        self.offset + self.tag.len() + self.rest.len()
    }
}
