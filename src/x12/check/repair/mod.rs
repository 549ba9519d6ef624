//! Safe automatic repairs: formatting defects with one deterministic fix, never content. One pass
//! writes the canonical interchange (standard delimiters `* ^ : ~`, nothing between segments, no trailing
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
use super::spec::Spec;
use crate::x12::{Delimiters, Segment};

/// What the repairs and their texts need to know of the transaction.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// ST01, in warning codes (`request::270::…`).
    pub st01: &'static str,
    /// The version GS08 and ST03 are set to.
    pub version: &'static str,
    /// Version strings before the addenda, repaired to `version`.
    pub stale: &'static [&'static str],
    /// The version repair's problem text.
    pub disagreement: &'static str,
    /// (segment ID, element) of elements that may repeat.
    pub repeated: &'static [(&'static str, u8)],
    /// NM101 codes of the persons whose names get the backtick repair.
    pub person_codes: &'static [&'static str],
}

impl Target {
    /// The repair target of `spec`'s transaction.
    pub fn of<R>(spec: &Spec<R>) -> Self {
        Self {
            st01: spec.id.st01,
            version: spec.id.version,
            stale: spec.stale_versions,
            disagreement: spec.version_disagreement,
            repeated: spec.repeated,
            person_codes: spec.person_codes,
        }
    }
}

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
    target: &Target,
    input: &'a str,
    segs: &[Segment<'a>],
    from: Delimiters,
    start: usize,
) -> Repaired<'a> {
    if from == STANDARD {
        return pass(target, input, segs, start, true);
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
        let mut kept = pass(target, input, segs, start, version_ok);
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
    let inner = pass(target, &translated, &again, start, true);
    let mut notes = inner.notes;
    notes.insert(0, Note::standardised());
    let text = Cow::Owned(inner.text.into_owned());
    Repaired {
        text,
        notes,
        delimiter_conflict: None,
    }
}
