//! Safe automatic repairs: formatting defects with one deterministic fix, never content. One pass
//! writes the canonical 270 (standard delimiters `* ^ : ~`, nothing between segments, no trailing
//! separators, padded ISA, upper-case codes, right trailer counts and control numbers) and notes
//! each repair. The output is a fixpoint: repairing it again changes nothing.

mod delimiters;
mod identifiers;
mod kind;
mod pass;

use std::borrow::Cow;

pub use self::delimiters::{STANDARD, standardised};
use self::delimiters::{delimiter_conflict, translate};
pub use self::kind::{Note, Repair};
use self::pass::pass;
use crate::x12::{Delimiters, Segment};

/// A repaired interchange.
#[derive(Debug)]
pub struct Repaired<'a> {
    /// The canonical text; borrowed when nothing changed.
    pub text: Cow<'a, str>,
    /// Each repair, in input order.
    pub notes: Vec<Note>,
    /// Where a standard delimiter character is used as data, which stops the delimiters from being
    /// standardised: (segment index, byte offset).
    pub delimiter_conflict: Option<(u32, usize)>,
}

/// Repairs `segs`, read from `input` with `from` delimiters; the ISA starts at byte `start`.
pub fn repair<'a>(
    input: &'a str,
    segs: &[Segment<'a>],
    from: Delimiters,
    start: usize,
) -> Repaired<'a> {
    if from == STANDARD {
        return pass(input, segs, start, true);
    }
    let conflict = delimiter_conflict(segs, from);
    if conflict.is_some() || from.repetition.is_none() {
        // A 4010 envelope (ISA11 no repetition separator) around otherwise standard delimiters,
        // with no `^` in data: ISA11 can become `^` and the version be repaired.
        let version_ok = conflict.is_none()
            && from
                == (Delimiters {
                    repetition: None,
                    ..STANDARD
                });
        let mut kept = pass(input, segs, start, version_ok);
        kept.delimiter_conflict = conflict;
        return kept;
    }
    // Standardising the delimiters is a byte-for-byte translation (no standard delimiter is data,
    // checked above), so offsets and segment indices stay the same; the other repairs then run on
    // the translated text.
    let translated = translate(input, from).0;
    let again: Vec<Segment<'_>> = crate::x12::Reader::new(&translated)
        .map(|r| r.flatten().collect())
        .unwrap_or_default();
    let inner = pass(&translated, &again, start, true);
    let mut notes = inner.notes;
    notes.insert(0, Note::standardised());
    let text = Cow::Owned(inner.text.into_owned());
    Repaired {
        text,
        notes,
        delimiter_conflict: None,
    }
}
