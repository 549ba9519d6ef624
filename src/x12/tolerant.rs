//! The segments of a payer's document: the strict reader when its `ISA` is sound, else a fallback
//! that guesses the delimiters of a short or mis-built `ISA` from the `GS` after it. A request with
//! such an `ISA` is rejected; a payer's 271 or 277 is mapped anyway, with a warning.

use super::{Delimiters, ParseError, Reader, strip_leading};

/// Opens `x12`; the flag is true when the delimiters had to be guessed.
pub fn open_tolerant(x12: &str) -> Result<(Reader<'_>, bool), ParseError> {
    match Reader::new(x12) {
        Ok(r) => Ok((r, false)),
        Err(
            e @ (ParseError::ShortIsa
            | ParseError::BadDelimiter { .. }
            | ParseError::DelimiterClash { .. }),
        ) => guess(x12)
            .map(|d| (Reader::with_delimiters(x12, strip_leading(x12), d), true))
            .ok_or(e),
        Err(e) => Err(e),
    }
}

fn is_separator(b: u8) -> bool {
    b.is_ascii_punctuation() || b == b'\x1c' || b == b'\x1d' || b == b'\x1e' || b == b'\x1f'
}

/// The delimiters of a broken `ISA`: the element separator follows `ISA`; the terminator is the
/// last non-blank byte before the first `GS` (or the line break there when there is none); ISA16
/// and ISA11 are used when they look like delimiters, else `:` and no repetition separator.
fn guess(input: &str) -> Option<Delimiters> {
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
    Some(Delimiters {
        element,
        repetition,
        component,
        segment,
    })
}
