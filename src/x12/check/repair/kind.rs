//! The kinds of repair, with the texts each reports, and a repair's place.

use std::borrow::Cow;

use super::Target;

/// One kind of repair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Repair {
    /// A byte-order mark before the ISA.
    Bom,
    /// Line breaks, blank lines, indentation or spaces between segments or around the interchange.
    Whitespace,
    /// Delimiters other than `*` `^` `:` `~` (Change requires ISA16 `:`).
    Delimiters,
    /// An ISA element not at its fixed width.
    IsaPadding,
    /// Version identifiers that disagree but have one reading: ISA12 `00401` around a 5010
    /// transaction, or GS08/ST03 naming the guide before its addenda (`005010X279`).
    Version,
    /// Empty elements, components or repetitions at the end of a segment, element or value.
    TrailingSeparators,
    /// A code (ID-type element) in lower case.
    UpperCase,
    /// A backtick in a subscriber or dependent name (Stedi's documented repair).
    Backtick,
    /// HL01 numbering that skips (10, 20, 30 …) or is out of order, with HL02 parents that name
    /// earlier HL01s: renumbering HL01 and HL02 keeps the same tree.
    HlNumbering,
    /// The last segment had no terminator.
    FinalTerminator,
    /// SE01 did not count the segments.
    SeCount,
    /// SE02 did not match ST02.
    SeControl,
    /// GE01 did not count the transaction sets.
    GeCount,
    /// GE02 did not match GS06.
    GeControl,
    /// IEA01 did not count the functional groups.
    IeaCount,
    /// IEA02 did not match ISA13.
    IeaControl,
}

impl Repair {
    /// Stable code, as in `warnings[].code`: `request::270::se01_recounted`.
    pub fn code(self, t: &Target) -> String {
        format!("request::{}::{}", t.st01, self.rule())
    }

    /// The rule identifier when repairs are off and this becomes an error.
    pub fn rule(self) -> &'static str {
        match self {
            Self::Bom => "bom_removed",
            Self::Whitespace => "whitespace_removed",
            Self::Delimiters => "delimiters_standardised",
            Self::IsaPadding => "isa_padded",
            Self::Version => "version_aligned",
            Self::TrailingSeparators => "trailing_separators_removed",
            Self::UpperCase => "codes_upper_cased",
            Self::Backtick => "backtick_replaced",
            Self::HlNumbering => "hl_renumbered",
            Self::FinalTerminator => "terminator_added",
            Self::SeCount => "se01_recounted",
            Self::SeControl => "se02_aligned",
            Self::GeCount => "ge01_recounted",
            Self::GeControl => "ge02_aligned",
            Self::IeaCount => "iea01_recounted",
            Self::IeaControl => "iea02_aligned",
        }
    }

    /// What was wrong (used for both the warning and, repairs off, the error).
    pub fn problem(self, t: &Target) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::Bom => "The X12 starts with a byte-order mark.",
            Self::Whitespace => "The X12 has line breaks, blank lines or spaces between segments.",
            Self::Delimiters => {
                "The interchange uses delimiters other than `*` (element), `^` (repetition), `:` (component) and `~` (segment)."
            }
            Self::IsaPadding => {
                "An ISA element is not at its fixed width (the ISA is 106 characters)."
            }
            Self::Version => t.disagreement,
            Self::TrailingSeparators => "A segment ends with empty elements (trailing separators).",
            Self::UpperCase => "A code element is in lower case.",
            Self::Backtick => "A subscriber or dependent name contains a backtick.",
            Self::HlNumbering => {
                "HL01 does not count the HL segments 1, 2, 3, … (HL02 parents are consistent)."
            }
            Self::FinalTerminator => "The last segment has no segment terminator.",
            Self::SeCount => "SE01 does not match the number of segments in the transaction set.",
            Self::SeControl => "SE02 does not match ST02.",
            Self::GeCount => "GE01 does not match the number of transaction sets in the group.",
            Self::GeControl => "GE02 does not match GS06.",
            Self::IeaCount => "IEA01 does not match the number of functional groups.",
            Self::IeaControl => "IEA02 does not match ISA13.",
        })
    }

    /// What the repair did.
    pub fn action(self, t: &Target) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::Bom | Self::Whitespace => "It was removed.",
            Self::Delimiters => {
                "The interchange was rewritten with the standard delimiters; no value changed."
            }
            Self::IsaPadding => {
                "It was padded (spaces to the right, zeros to the left of ISA13) or its trailing spaces trimmed."
            }
            Self::Version => {
                return Cow::Owned(format!(
                    "ISA12 was set to `00501` with `^` as repetition separator (ISA11), and GS08 and ST03 to `{}`.",
                    t.version
                ));
            }
            Self::TrailingSeparators => "They were removed.",
            Self::UpperCase => "It was upper-cased.",
            Self::Backtick => "It was replaced with an apostrophe.",
            Self::HlNumbering => {
                "HL01 was renumbered from 1 and HL02 set to the new parent numbers."
            }
            Self::FinalTerminator => "The terminator was added.",
            Self::SeCount | Self::GeCount | Self::IeaCount => "It was recounted.",
            Self::SeControl => "It was set to ST02.",
            Self::GeControl => "It was set to GS06.",
            Self::IeaControl => "It was set to ISA13.",
        })
    }

    /// How to avoid it.
    pub fn resolution(self, t: &Target) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::Bom | Self::Whitespace => {
                "Send the interchange as one string with nothing between the segment terminator and the next segment."
            }
            Self::Delimiters => {
                "Use `*` as element separator, `^` as repetition separator (ISA11), `:` as component separator (ISA16) and `~` as segment terminator."
            }
            Self::IsaPadding => {
                "Pad ISA02, ISA04, ISA06 and ISA08 with spaces and ISA13 with leading zeros to their fixed widths."
            }
            Self::Version => {
                return Cow::Owned(format!(
                    "Send ISA12 = 00501 (ISA11 = `^`), GS08 and ST03 = {}.",
                    t.version
                ));
            }
            Self::TrailingSeparators => "End each segment after its last non-empty element.",
            Self::UpperCase => "Send codes in upper case.",
            Self::Backtick => "Use an apostrophe in names.",
            Self::HlNumbering => {
                "Number the HL segments 1, 2, 3, … in order and point HL02 at the parent's HL01."
            }
            Self::FinalTerminator => "End the last segment (IEA) with the segment terminator.",
            Self::SeCount => "Set SE01 to the number of segments from ST to SE inclusive.",
            Self::SeControl => "Set SE02 to the value of ST02.",
            Self::GeCount => "Set GE01 to the number of ST/SE transaction sets in the group.",
            Self::GeControl => "Set GE02 to the value of GS06.",
            Self::IeaCount => "Set IEA01 to the number of GS/GE groups.",
            Self::IeaControl => "Set IEA02 to the value of ISA13.",
        })
    }
}

/// A repair applied (or, repairs off, needed) at a place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// What.
    pub repair: Repair,
    /// 1-based segment index in the interchange (0: the interchange as a whole).
    pub segment: u32,
    /// Element, 0 for the whole segment.
    pub element: u8,
    /// How many places (for repairs reported once per kind).
    pub count: u32,
}

impl Note {
    /// The delimiters were standardised (reported at the ISA).
    pub fn standardised() -> Self {
        Self {
            repair: Repair::Delimiters,
            segment: 1,
            element: 0,
            count: 1,
        }
    }
}
