//! The schema engine's vocabulary: element types and lengths per segment (the X12 dictionary, one
//! row per segment tag whatever the transaction), and the types a transaction's loops are written
//! in (which segments, in which order, how often, with which element usage and codes).
//! Sources: pyx12's `dataele.xml` and maps, the stupidedi and `LinuxForHealth` definitions, and
//! X12 RFIs where they disagree (listed in the README).

/// X12 data element types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Alphanumeric string.
    An,
    /// Identifier (a code).
    Id,
    /// Date, `CCYYMMDD`.
    Dt,
    /// Time, `HHMM[SS[D..]]`.
    Tm,
    /// Integer.
    N0,
    /// Decimal.
    R,
    /// A composite, whose components have their own types.
    Composite(&'static [El]),
}

/// One element (or component) of a segment: type and length bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct El {
    /// Type.
    pub ty: Ty,
    /// Minimum length.
    pub min: u16,
    /// Maximum length.
    pub max: u16,
}

const fn el(ty: Ty, min: u16, max: u16) -> El {
    El { ty, min, max }
}

const AN: Ty = Ty::An;
const ID: Ty = Ty::Id;

/// Element definitions by segment ID (ISA is checked on its own).
static DICTIONARY: &[(&str, &[El])] = &[
    (
        "GS",
        &[
            el(ID, 2, 2),
            el(AN, 2, 15),
            el(AN, 2, 15),
            el(Ty::Dt, 8, 8),
            el(Ty::Tm, 4, 8),
            el(Ty::N0, 1, 9),
            el(ID, 1, 2),
            el(AN, 1, 12),
        ],
    ),
    ("ST", &[el(ID, 3, 3), el(AN, 4, 9), el(AN, 1, 35)]),
    (
        "BHT",
        &[
            el(ID, 4, 4),
            el(ID, 2, 2),
            el(AN, 1, 50),
            el(Ty::Dt, 8, 8),
            el(Ty::Tm, 4, 8),
            el(ID, 2, 2),
        ],
    ),
    (
        "HL",
        &[el(AN, 1, 12), el(AN, 1, 12), el(ID, 1, 2), el(ID, 1, 1)],
    ),
    (
        "TRN",
        &[el(ID, 1, 2), el(AN, 1, 50), el(AN, 10, 10), el(AN, 1, 50)],
    ),
    (
        "NM1",
        &[
            el(ID, 2, 3),
            el(ID, 1, 1),
            el(AN, 1, 60),
            el(AN, 1, 35),
            el(AN, 1, 25),
            el(AN, 1, 10),
            el(AN, 1, 10),
            el(ID, 1, 2),
            el(AN, 2, 80),
            el(ID, 2, 2),
            el(ID, 2, 3),
            el(AN, 1, 60),
        ],
    ),
    (
        "REF",
        &[
            el(ID, 2, 3),
            el(AN, 1, 50),
            el(AN, 1, 80),
            el(Ty::Composite(&[el(ID, 2, 3), el(AN, 1, 50)]), 1, 1),
        ],
    ),
    ("N3", &[el(AN, 1, 55), el(AN, 1, 55)]),
    (
        "N4",
        &[
            el(AN, 2, 30),
            el(ID, 2, 2),
            el(ID, 3, 15),
            el(ID, 2, 3),
            el(ID, 1, 2),
            el(AN, 1, 30),
            el(ID, 1, 3),
        ],
    ),
    (
        "PRV",
        &[
            el(ID, 1, 3),
            el(ID, 2, 3),
            el(AN, 1, 50),
            el(ID, 2, 2),
            el(AN, 1, 50),
            el(ID, 3, 3),
        ],
    ),
    (
        "DMG",
        &[
            el(ID, 2, 3),
            el(AN, 1, 35),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 2, 2),
            el(AN, 1, 15),
            el(ID, 1, 3),
            el(ID, 1, 1),
            el(AN, 1, 35),
        ],
    ),
    (
        "INS",
        &[
            el(ID, 1, 1),
            el(ID, 2, 2),
            el(ID, 3, 3),
            el(ID, 2, 3),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 2, 2),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(ID, 2, 3),
            el(AN, 1, 35),
            el(ID, 1, 1),
            el(ID, 1, 1),
            el(AN, 1, 80),
            el(ID, 1, 3),
            el(Ty::N0, 1, 9),
        ],
    ),
    (
        "HI",
        &[
            HI_CODE, HI_CODE, HI_CODE, HI_CODE, HI_CODE, HI_CODE, HI_CODE, HI_CODE, HI_CODE,
            HI_CODE, HI_CODE, HI_CODE,
        ],
    ),
    ("DTP", &[el(ID, 3, 3), el(ID, 2, 3), el(AN, 1, 35)]),
    (
        "EQ",
        &[
            el(ID, 1, 2),
            C003,
            el(ID, 3, 3),
            el(Ty::Composite(&[el(ID, 1, 2), el(AN, 1, 30)]), 1, 1),
            el(
                Ty::Composite(&[
                    el(Ty::N0, 1, 2),
                    el(Ty::N0, 1, 2),
                    el(Ty::N0, 1, 2),
                    el(Ty::N0, 1, 2),
                ]),
                1,
                1,
            ),
        ],
    ),
    ("AMT", &[el(ID, 1, 3), el(Ty::R, 1, 18), el(ID, 1, 1)]),
    (
        "III",
        &[
            el(ID, 1, 3),
            el(AN, 1, 30),
            el(ID, 1, 2),
            el(AN, 1, 264),
            el(Ty::R, 1, 15),
            el(AN, 1, 264),
        ],
    ),
    ("SE", &[el(Ty::N0, 1, 10), el(AN, 4, 9)]),
    ("GE", &[el(Ty::N0, 1, 6), el(Ty::N0, 1, 9)]),
    ("IEA", &[el(Ty::N0, 1, 5), el(Ty::N0, 9, 9)]),
    (
        "SVC",
        &[
            C003,
            el(Ty::R, 1, 18),
            el(Ty::R, 1, 18),
            el(AN, 1, 48),
            el(Ty::R, 1, 15),
            C003,
            el(Ty::R, 1, 15),
        ],
    ),
];

/// C003, the composite medical procedure identifier (EQ02, SVC01, SVC06).
const C003: El = el(
    Ty::Composite(&[
        el(ID, 2, 2),
        el(AN, 1, 48),
        el(AN, 2, 2),
        el(AN, 2, 2),
        el(AN, 2, 2),
        el(AN, 2, 2),
        el(AN, 1, 80),
        el(AN, 1, 48),
    ]),
    1,
    1,
);

/// Element definitions of segment `tag`. A `match` picks the row: a scan with string compares
/// showed up in the validator's profile.
pub fn elements(tag: &str) -> Option<&'static [El]> {
    let row = match tag {
        "GS" => 0,
        "ST" => 1,
        "BHT" => 2,
        "HL" => 3,
        "TRN" => 4,
        "NM1" => 5,
        "REF" => 6,
        "N3" => 7,
        "N4" => 8,
        "PRV" => 9,
        "DMG" => 10,
        "INS" => 11,
        "HI" => 12,
        "DTP" => 13,
        "EQ" => 14,
        "AMT" => 15,
        "III" => 16,
        "SE" => 17,
        "GE" => 18,
        "IEA" => 19,
        "SVC" => 20,
        _ => return None,
    };
    DICTIONARY.get(row).map(|(_, e)| *e)
}

const HI_CODE: El = el(
    Ty::Composite(&[
        el(ID, 1, 3),
        el(AN, 1, 30),
        el(ID, 2, 3),
        el(AN, 1, 35),
        el(Ty::R, 1, 15),
        el(Ty::R, 1, 15),
        el(ID, 1, 1),
        el(AN, 1, 30),
        el(AN, 1, 30),
    ]),
    1,
    1,
);

/// Element usage in a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Required.
    R,
    /// Situational.
    S,
    /// Not used.
    N,
}

/// Usage and allowed codes of one element in one loop. Elements a rule does not list are `S`.
#[derive(Debug, Clone, Copy)]
pub struct Use {
    /// 1-based element position.
    pub element: u8,
    /// Usage.
    pub usage: Usage,
    /// Allowed codes (first component for composites), `None` when any value of the type will do.
    pub codes: Option<&'static [&'static str]>,
}

/// A required element.
pub const fn r(element: u8) -> Use {
    Use {
        element,
        usage: Usage::R,
        codes: None,
    }
}
/// An element not used.
pub const fn n(element: u8) -> Use {
    Use {
        element,
        usage: Usage::N,
        codes: None,
    }
}
/// A required element with its codes.
pub const fn rc(element: u8, codes: &'static [&'static str]) -> Use {
    Use {
        element,
        usage: Usage::R,
        codes: Some(codes),
    }
}
/// A situational element with its codes.
pub const fn sc(element: u8, codes: &'static [&'static str]) -> Use {
    Use {
        element,
        usage: Usage::S,
        codes: Some(codes),
    }
}

/// A segment's place in a loop.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    /// Segment ID.
    pub tag: &'static str,
    /// Required in its loop.
    pub required: bool,
    /// Maximum use in one loop iteration.
    pub max_use: u16,
    /// Element usage and codes.
    pub uses: &'static [Use],
    /// Elements whose value may repeat (ISA11), with the maximum repetitions.
    pub repeats: &'static [(u8, u16)],
}

/// A segment slot without repeated elements.
pub const fn slot(tag: &'static str, required: bool, max_use: u16, uses: &'static [Use]) -> Slot {
    Slot {
        tag,
        required,
        max_use,
        uses,
        repeats: &[],
    }
}

/// A loop (or the header/trailer part of a transaction set).
#[derive(Debug, Clone, Copy)]
pub struct Loop {
    /// Its name as locations print it: "Loop 2100C".
    pub name: &'static str,
    /// Its segments in order.
    pub slots: &'static [Slot],
}

/// The slot of `tag` in `l`, with its index.
pub fn find(l: &'static Loop, tag: &str) -> Option<(usize, &'static Slot)> {
    l.slots
        .iter()
        .position(|s| s.tag == tag)
        .and_then(|i| l.slots.get(i).map(|s| (i, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_finds_each_row_of_the_dictionary() {
        for (tag, els) in DICTIONARY {
            assert_eq!(elements(tag).map(<[El]>::len), Some(els.len()), "{tag}");
        }
        assert!(elements("ZZZ").is_none());
    }
}
