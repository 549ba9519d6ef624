//! The one cursor over an interchange: yields segments with their positions, skipping the
//! whitespace some senders put between segments (the caller sees the gap through offsets).

use super::{Delimiters, ParseError, Position, Segment, find_byte};

/// Byte-order mark some editors put at the start of a file.
const BOM: &str = "\u{feff}";

/// Returns the offset where the interchange starts: after a BOM and leading whitespace.
pub fn strip_leading(input: &str) -> usize {
    let after_bom = if input.starts_with(BOM) { BOM.len() } else { 0 };
    let rest = input.get(after_bom..).unwrap_or("");
    after_bom + (rest.len() - rest.trim_start().len())
}

/// Reads segments one at a time. Errors are per segment: after a bad tag, reading goes on at the
/// next terminator, so a validator can report every problem.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    input: &'a str,
    /// Invariant: `pos <= input.len()`, and `pos` is at a segment start or at whitespace before one.
    pos: usize,
    /// Segments yielded so far (bad ones included), so the next one is `index + 1`.
    index: u32,
    delims: Delimiters,
}

impl<'a> Reader<'a> {
    /// Starts reading `input`: skips a BOM and leading whitespace, then reads the delimiters from the ISA.
    pub fn new(input: &'a str) -> Result<Self, ParseError> {
        let start = strip_leading(input);
        let rest = input.get(start..).unwrap_or("");
        if rest.is_empty() {
            return Err(ParseError::Empty { offset: start });
        }
        if !rest.starts_with("ISA") {
            return Err(ParseError::NoIsa { offset: start });
        }
        let (delims, _) = Delimiters::from_isa(rest).map_err(|e| shift(e, start))?;
        Ok(Self {
            input,
            pos: start,
            index: 0,
            delims,
        })
    }

    /// Reads `input` from byte `start` with delimiters the caller worked out itself (a payer's 271
    /// with a broken `ISA` is still read, with delimiters guessed from the segments after it).
    pub fn with_delimiters(input: &'a str, start: usize, delims: Delimiters) -> Self {
        Self {
            input,
            pos: start.min(input.len()),
            index: 0,
            delims,
        }
    }

    /// The interchange's delimiters.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Byte offset where the next segment (or trailing whitespace) starts.
    pub fn offset(&self) -> usize {
        self.pos
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
        if self
            .input
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(BOM))
        {
            self.pos += BOM.len();
            self.skip_gap();
        }
    }
}

fn shift(e: ParseError, by: usize) -> ParseError {
    match e {
        ParseError::NoIsa { offset } => ParseError::NoIsa {
            offset: offset + by,
        },
        ParseError::BadDelimiter { which, offset } => ParseError::BadDelimiter {
            which,
            offset: offset + by,
        },
        other => other,
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Segment<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.skip_gap();
        let rest = self.input.get(self.pos..)?;
        if rest.is_empty() {
            return None;
        }
        let start = self.pos;
        let (text, terminated) = if let Some(end) = find_byte(rest, self.delims.segment) {
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
        if !tag_ok {
            let at = Position::segment(self.index, start);
            return Some(Err(if terminated {
                ParseError::BadTag { at }
            } else {
                ParseError::Unterminated { at }
            }));
        }
        Some(Ok(seg))
    }
}
