//! X12 interchanges: delimiters read from the `ISA`, segments borrowed from the input with their
//! positions, and a writer for the documents we produce. Knows nothing of HTTP, JSON or 270/271 rules.

pub mod charset;
pub mod check;
mod cut;
pub mod date;
mod delimiters;
mod error;
mod reader;
mod segment;
mod split;
mod tolerant;
mod writer;

pub use cut::CutSegment;
pub use delimiters::Delimiters;
pub use error::{ParseError, Position};
pub use reader::{Reader, strip_leading};
pub use segment::Segment;
pub use split::{SplitByte, find_byte, split_byte};
pub use tolerant::open_tolerant;
pub use writer::{Writer, pad_right};

#[cfg(test)]
mod tests;
