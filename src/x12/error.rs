//! Parse errors carry positions, never element values: a value may be a member ID or a name.

use std::fmt;

/// Where something sits in an interchange. Segment and element count from 1 (ISA is segment 1);
/// element 0 means "the segment as a whole".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Position {
    /// 1-based segment index in the interchange.
    pub segment: u32,
    /// 1-based element index, 0 for the whole segment.
    pub element: u8,
    /// Byte offset from the start of the input.
    pub offset: usize,
}

impl Position {
    /// A whole-segment position.
    pub fn segment(segment: u32, offset: usize) -> Self {
        Self {
            segment,
            element: 0,
            offset,
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.element == 0 {
            write!(f, "segment {}, byte {}", self.segment, self.offset)
        } else {
            write!(
                f,
                "segment {}, element {:02}, byte {}",
                self.segment, self.element, self.offset
            )
        }
    }
}

/// Why an input could not be read as X12.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ParseError {
    /// Nothing but whitespace (and a byte-order mark): the ISA was expected at `offset`.
    #[error("input is empty (segment 1, byte {offset})")]
    Empty {
        /// Where the ISA was expected: the end of the input.
        offset: usize,
    },
    /// The first segment is not an `ISA`.
    #[error("input does not start with `ISA` (byte {offset})")]
    NoIsa {
        /// Where the input (after any BOM and whitespace) starts.
        offset: usize,
    },
    /// The `ISA` has fewer than 16 elements before its terminator, or is far longer than 106 bytes.
    #[error("the `ISA` segment does not have 16 elements followed by a segment terminator")]
    ShortIsa,
    /// A delimiter is a letter, a digit, whitespace or not ASCII.
    #[error("the {which} delimiter in the `ISA` is not a usable delimiter (byte {offset})")]
    BadDelimiter {
        /// "element", "component", "repetition" or "segment".
        which: &'static str,
        /// Byte offset of the delimiter.
        offset: usize,
    },
    /// Two delimiters are the same character.
    #[error("the `ISA` uses the same character for the {first} and {second} delimiters")]
    DelimiterClash {
        /// One role.
        first: &'static str,
        /// The other role.
        second: &'static str,
    },
    /// A segment tag that is not 2–3 upper-case letters or digits (an empty segment too).
    #[error("{at}: segment tag is not 2 or 3 upper-case letters or digits")]
    BadTag {
        /// Where the segment starts.
        at: Position,
    },
    /// Text after the last terminator that is not a complete segment.
    #[error("{at}: segment not terminated before end of input")]
    Unterminated {
        /// Where the unterminated text starts.
        at: Position,
    },
}

impl ParseError {
    /// The position the error points at, when it has one.
    pub fn position(&self) -> Option<Position> {
        match self {
            Self::BadTag { at } | Self::Unterminated { at } => Some(*at),
            Self::Empty { offset } | Self::NoIsa { offset } | Self::BadDelimiter { offset, .. } => {
                Some(Position::segment(1, *offset))
            }
            Self::ShortIsa | Self::DelimiterClash { .. } => Some(Position::segment(1, 0)),
        }
    }
}
