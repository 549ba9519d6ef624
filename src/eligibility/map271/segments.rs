//! The segments of a payer's document: the strict reader when its `ISA` is sound, else a fallback
//! that guesses the delimiters of a short or mis-built `ISA` from the `GS` after it. A 270 with such
//! an `ISA` is rejected; a payer's 271 is mapped anyway, with a warning.

use crate::x12::{Delimiters, ParseError, Position, Reader, Segment, strip_leading};

/// Either reader; both yield segments borrowed from the input.
#[derive(Debug, Clone)]
pub enum Segments<'a> {
    /// The `ISA` was sound.
    Strict(Reader<'a>),
    /// The delimiters were guessed.
    Guessed(Guessed<'a>),
}

/// Opens `x12`; the flag is true when the delimiters had to be guessed.
pub fn open(x12: &str) -> Result<(Segments<'_>, bool), ParseError> {
    match Reader::new(x12) {
        Ok(r) => Ok((Segments::Strict(r), false)),
        Err(
            e @ (ParseError::ShortIsa
            | ParseError::BadDelimiter { .. }
            | ParseError::DelimiterClash { .. }),
        ) => Guessed::new(x12)
            .map(|g| (Segments::Guessed(g), true))
            .ok_or(e),
        Err(e) => Err(e),
    }
}

impl<'a> Iterator for Segments<'a> {
    type Item = Result<Segment<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Self::Strict(r) => r.next(),
            Self::Guessed(g) => g.next(),
        }
    }
}

fn is_separator(b: u8) -> bool {
    b.is_ascii_punctuation() || b == b'\x1c' || b == b'\x1d' || b == b'\x1e' || b == b'\x1f'
}

/// A cursor over an interchange whose delimiters were guessed.
#[derive(Debug, Clone)]
pub struct Guessed<'a> {
    input: &'a str,
    /// Invariant: `pos <= input.len()`.
    pos: usize,
    index: u32,
    delims: Delimiters,
}

impl<'a> Guessed<'a> {
    /// The element separator follows `ISA`; the terminator is the last non-blank byte before the
    /// first `GS` (or the line break there when there is none); ISA16 and ISA11 are used when they
    /// look like delimiters, else `:` and no repetition separator.
    fn new(input: &'a str) -> Option<Self> {
        let start = strip_leading(input);
        let rest = input.get(start..)?;
        let bytes = rest.as_bytes();
        let element = *bytes.get(3).filter(|b| is_separator(**b))?;
        let gs = rest.find(&format!("GS{}", element as char))?;
        let head = rest.get(..gs)?;
        let trimmed = head.trim_end_matches([' ', '\t', '\r', '\n']);
        let last = *trimmed.as_bytes().last()?;
        let (segment, isa) = if is_separator(last) && last != element {
            (last, trimmed.get(..trimmed.len() - 1)?)
        } else {
            (*head.as_bytes().get(trimmed.len())?, trimmed)
        };
        let fields: Vec<&str> = isa.split(element as char).collect();
        let single = |s: &&str| {
            let b = s.as_bytes();
            (b.len() == 1)
                .then(|| b.first().copied())
                .flatten()
                .filter(|b| is_separator(*b) && *b != element && *b != segment)
        };
        let component = fields
            .last()
            .filter(|_| fields.len() > 12)
            .and_then(single)
            .unwrap_or(b':');
        let repetition = fields
            .get(11)
            .filter(|_| fields.get(12).is_some_and(|v| *v != "00401"))
            .and_then(single)
            .filter(|r| *r != component);
        if component == element || component == segment {
            return None;
        }
        Some(Self {
            input,
            pos: start,
            index: 0,
            delims: Delimiters {
                element,
                repetition,
                component,
                segment,
            },
        })
    }

    fn skip_gap(&mut self) {
        let bytes = self.input.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if b != self.delims.segment && matches!(b, b'\r' | b'\n' | b' ' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }
}

impl<'a> Iterator for Guessed<'a> {
    type Item = Result<Segment<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_gap();
        let rest = self.input.get(self.pos..).filter(|r| !r.is_empty())?;
        let start = self.pos;
        let (text, terminated) = if let Some(end) = rest.find(self.delims.segment as char) {
            self.pos += end + 1;
            (rest.get(..end).unwrap_or(""), true)
        } else {
            self.pos = self.input.len();
            (rest, false)
        };
        self.index = self.index.saturating_add(1);
        let seg = Segment::new(text, self.index, start, terminated, self.delims);
        let tag_ok = (2..=3).contains(&seg.tag.len())
            && seg
                .tag
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if tag_ok {
            Some(Ok(seg))
        } else {
            let at = Position::segment(self.index, start);
            Some(Err(if terminated {
                ParseError::BadTag { at }
            } else {
                ParseError::Unterminated { at }
            }))
        }
    }
}
