//! 005010X279A1 270 as data: per loop which segments may appear, in which order, how often, with
//! which element usage and codes, written in the schema engine's types (`x12::check::schema`).
//! Sources: pyx12's `270.5010.X279.A1` map, the stupidedi and `LinuxForHealth` X279A1
//! definitions, and X12 RFIs where they disagree (listed in the README).

pub use crate::x12::check::schema::{El, Loop, Slot, Ty, Usage, Use, elements, find};
use crate::x12::check::schema::{n, r, rc, sc, slot};

const NM1_N_TAIL: [Use; 3] = [n(10), n(11), n(12)];

/// Header: ST, BHT.
pub static HEADER: Loop = Loop {
    name: "Transaction set header",
    slots: &[
        slot(
            "ST",
            true,
            1,
            &[rc(1, &["270"]), r(2), rc(3, &["005010X279A1"])],
        ),
        slot(
            "BHT",
            true,
            1,
            &[
                rc(1, &["0022"]),
                rc(2, &["01", "13"]),
                r(3),
                r(4),
                r(5),
                sc(6, &["RT"]),
            ],
        ),
    ],
};

/// 2000A information source level.
pub static L2000A: Loop = Loop {
    name: "Loop 2000A",
    slots: &[slot(
        "HL",
        true,
        1,
        &[r(1), n(2), rc(3, &["20"]), rc(4, &["1"])],
    )],
};
/// 2100A information source name.
pub static L2100A: Loop = Loop {
    name: "Loop 2100A",
    slots: &[slot(
        "NM1",
        true,
        1,
        &[
            rc(1, &["2B", "36", "GP", "P5", "PR"]),
            rc(2, &["1", "2"]),
            r(3),
            n(6),
            rc(8, &["24", "46", "FI", "NI", "PI", "XV", "XX"]),
            r(9),
            NM1_N_TAIL[0],
            NM1_N_TAIL[1],
            NM1_N_TAIL[2],
        ],
    )],
};

/// 2000B information receiver level.
pub static L2000B: Loop = Loop {
    name: "Loop 2000B",
    slots: &[slot(
        "HL",
        true,
        1,
        &[r(1), r(2), rc(3, &["21"]), rc(4, &["1"])],
    )],
};

/// PRV01 of the information receiver (2100B).
pub const PROVIDER_CODES: &[&str] = &[
    "AD", "AT", "BI", "CO", "CV", "H", "HH", "LA", "OT", "P1", "P2", "PC", "PE", "R", "RF", "SB",
    "SK", "SU",
];
/// PRV01 of a subscriber or dependent (2100C/D): the receiver's codes but `SB`.
pub const MEMBER_PROVIDER_CODES: &[&str] = &[
    "AD", "AT", "BI", "CO", "CV", "H", "HH", "LA", "OT", "P1", "P2", "PC", "PE", "R", "RF", "SK",
    "SU",
];
const N4_USES: &[Use] = &[r(1), n(5), n(6)];

/// 2100B information receiver name.
pub static L2100B: Loop = Loop {
    name: "Loop 2100B",
    slots: &[
        slot(
            "NM1",
            true,
            1,
            &[
                rc(1, &["1P", "2B", "36", "80", "FA", "GP", "P5", "PR"]),
                rc(2, &["1", "2"]),
                r(3),
                n(6),
                rc(8, &["24", "34", "FI", "PI", "PP", "SV", "XV", "XX"]),
                r(9),
                NM1_N_TAIL[0],
                NM1_N_TAIL[1],
                NM1_N_TAIL[2],
            ],
        ),
        slot(
            "REF",
            false,
            9,
            &[
                rc(
                    1,
                    &[
                        "0B", "1C", "1D", "1J", "4A", "CT", "EL", "EO", "HPI", "JD", "N5", "N7",
                        "Q4", "SY", "TJ",
                    ],
                ),
                r(2),
                n(4),
            ],
        ),
        slot("N3", false, 1, &[r(1)]),
        slot("N4", false, 1, N4_USES),
        slot(
            "PRV",
            false,
            1,
            &[
                rc(1, PROVIDER_CODES),
                rc(2, &["PXC"]),
                r(3),
                n(4),
                n(5),
                n(6),
            ],
        ),
    ],
};

/// 2000C subscriber level.
pub static L2000C: Loop = Loop {
    name: "Loop 2000C",
    slots: &[
        slot(
            "HL",
            true,
            1,
            &[r(1), r(2), rc(3, &["22"]), rc(4, &["0", "1"])],
        ),
        slot("TRN", false, 2, TRN_USES),
    ],
};

const TRN_USES: &[Use] = &[rc(1, &["1"]), r(2), r(3)];
/// PRV02 of 2100C/D.
pub const MEMBER_PRV_QUALIFIERS: &[&str] = &["9K", "D3", "EI", "HPI", "PXC", "SY", "TJ"];
const MEMBER_PRV: &[Use] = &[
    rc(1, MEMBER_PROVIDER_CODES),
    rc(2, MEMBER_PRV_QUALIFIERS),
    r(3),
    n(4),
    n(5),
    n(6),
];
const MEMBER_DMG: &[Use] = &[
    rc(1, &["D8"]),
    r(2),
    sc(3, &["F", "M"]),
    n(4),
    n(5),
    n(6),
    n(7),
    n(8),
    n(9),
    n(10),
    n(11),
];
const MEMBER_HI: &[Use] = &[
    rc(1, &["ABK", "BK"]),
    sc(2, &["ABF", "BF"]),
    sc(3, &["ABF", "BF"]),
    sc(4, &["ABF", "BF"]),
    sc(5, &["ABF", "BF"]),
    sc(6, &["ABF", "BF"]),
    sc(7, &["ABF", "BF"]),
    sc(8, &["ABF", "BF"]),
    n(9),
    n(10),
    n(11),
    n(12),
];
const MEMBER_DTP: &[Use] = &[rc(1, &["102", "291"]), rc(2, &["D8", "RD8"]), r(3)];
const INS_N_3_16: [Use; 14] = [
    n(3),
    n(4),
    n(5),
    n(6),
    n(7),
    n(8),
    n(9),
    n(10),
    n(11),
    n(12),
    n(13),
    n(14),
    n(15),
    n(16),
];

/// 2100C subscriber name.
pub static L2100C: Loop = Loop {
    name: "Loop 2100C",
    slots: &[
        slot(
            "NM1",
            true,
            1,
            &[
                rc(1, &["IL"]),
                rc(2, &["1", "2"]),
                n(6),
                sc(8, &["II", "MI"]),
                NM1_N_TAIL[0],
                NM1_N_TAIL[1],
                NM1_N_TAIL[2],
            ],
        ),
        slot(
            "REF",
            false,
            9,
            &[
                rc(
                    1,
                    &[
                        "18", "1L", "1W", "3H", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IG",
                        "N6", "NQ", "SY", "Y4",
                    ],
                ),
                r(2),
                n(4),
            ],
        ),
        slot("N3", false, 1, &[r(1)]),
        slot("N4", false, 1, N4_USES),
        slot("PRV", false, 1, MEMBER_PRV),
        slot("DMG", false, 1, MEMBER_DMG),
        slot(
            "INS",
            false,
            1,
            &[
                rc(1, &["Y"]),
                rc(2, &["18"]),
                INS_N_3_16[0],
                INS_N_3_16[1],
                INS_N_3_16[2],
                INS_N_3_16[3],
                INS_N_3_16[4],
                INS_N_3_16[5],
                INS_N_3_16[6],
                INS_N_3_16[7],
                INS_N_3_16[8],
                INS_N_3_16[9],
                INS_N_3_16[10],
                INS_N_3_16[11],
                INS_N_3_16[12],
                INS_N_3_16[13],
                r(17),
            ],
        ),
        slot("HI", false, 1, MEMBER_HI),
        slot("DTP", false, 2, MEMBER_DTP),
    ],
};

/// EQ02-1, the procedure's qualifier.
pub const EQ02_CODES: &[&str] = &["AD", "CJ", "HC", "ID", "IV", "N4", "ZZ"];

/// 2110C subscriber eligibility or benefit inquiry.
pub static L2110C: Loop = Loop {
    name: "Loop 2110C",
    slots: &[
        Slot {
            tag: "EQ",
            required: true,
            max_use: 1,
            uses: &[sc(2, EQ02_CODES), sc(3, &["FAM"]), n(4)],
            repeats: &[(1, 99)],
        },
        slot("AMT", false, 2, &[rc(1, &["PB", "R"]), r(2), n(3)]),
        slot(
            "III",
            false,
            1,
            &[rc(1, &["ZZ"]), r(2), n(3), n(4), n(5), n(6)],
        ),
        slot("REF", false, 1, &[rc(1, &["9F", "G1"]), r(2), n(4)]),
        slot(
            "DTP",
            false,
            1,
            &[rc(1, &["291"]), rc(2, &["D8", "RD8"]), r(3)],
        ),
    ],
};

/// 2000D dependent level.
pub static L2000D: Loop = Loop {
    name: "Loop 2000D",
    slots: &[
        slot("HL", true, 1, &[r(1), r(2), rc(3, &["23"]), rc(4, &["0"])]),
        slot("TRN", false, 2, TRN_USES),
    ],
};

/// 2100D dependent name.
pub static L2100D: Loop = Loop {
    name: "Loop 2100D",
    slots: &[
        slot(
            "NM1",
            true,
            1,
            &[
                rc(1, &["03"]),
                rc(2, &["1"]),
                n(6),
                n(8),
                n(9),
                NM1_N_TAIL[0],
                NM1_N_TAIL[1],
                NM1_N_TAIL[2],
            ],
        ),
        slot(
            "REF",
            false,
            9,
            &[
                rc(
                    1,
                    &[
                        "18", "1L", "1W", "6P", "CT", "EA", "EJ", "F6", "GH", "HJ", "IF", "IG",
                        "MRC", "N6", "SY", "Y4",
                    ],
                ),
                r(2),
                n(4),
            ],
        ),
        slot("N3", false, 1, &[r(1)]),
        slot("N4", false, 1, N4_USES),
        slot("PRV", false, 1, MEMBER_PRV),
        slot("DMG", false, 1, MEMBER_DMG),
        slot(
            "INS",
            false,
            1,
            &[
                rc(1, &["N"]),
                rc(2, &["01", "19", "34"]),
                INS_N_3_16[0],
                INS_N_3_16[1],
                INS_N_3_16[2],
                INS_N_3_16[3],
                INS_N_3_16[4],
                INS_N_3_16[5],
                INS_N_3_16[6],
                INS_N_3_16[7],
                INS_N_3_16[8],
                INS_N_3_16[9],
                INS_N_3_16[10],
                INS_N_3_16[11],
                INS_N_3_16[12],
                INS_N_3_16[13],
            ],
        ),
        slot("HI", false, 1, MEMBER_HI),
        slot("DTP", false, 2, MEMBER_DTP),
    ],
};

/// 2110D dependent eligibility or benefit inquiry.
pub static L2110D: Loop = Loop {
    name: "Loop 2110D",
    slots: &[
        Slot {
            tag: "EQ",
            required: true,
            max_use: 1,
            uses: &[sc(2, EQ02_CODES), n(3), n(4)],
            repeats: &[(1, 99)],
        },
        slot(
            "III",
            false,
            1,
            &[rc(1, &["ZZ"]), r(2), n(3), n(4), n(5), n(6)],
        ),
        slot("REF", false, 1, &[rc(1, &["9F", "G1"]), r(2), n(4)]),
        slot(
            "DTP",
            false,
            1,
            &[rc(1, &["291"]), rc(2, &["D8", "RD8"]), r(3)],
        ),
    ],
};

/// Trailer: SE.
pub static TRAILER: Loop = Loop {
    name: "Transaction set trailer",
    slots: &[slot("SE", true, 1, &[r(1), r(2)])],
};

/// Every segment ID a 270 transaction set may contain.
pub const TRANSACTION_TAGS: &[&str] = &[
    "AMT", "BHT", "DMG", "DTP", "EQ", "HI", "HL", "III", "INS", "N3", "N4", "NM1", "PRV", "REF",
    "SE", "ST", "TRN",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_rules_are_in_element_order() {
        let loops = [
            &HEADER, &L2000A, &L2100A, &L2000B, &L2100B, &L2000C, &L2100C, &L2110C, &L2000D,
            &L2100D, &L2110D, &TRAILER,
        ];
        for l in loops {
            for slot in l.slots {
                assert!(
                    slot.uses.windows(2).all(|w| w[0].element < w[1].element),
                    "{} {}",
                    l.name,
                    slot.tag
                );
                let defs = elements(slot.tag).unwrap();
                assert!(
                    slot.uses
                        .iter()
                        .all(|u| usize::from(u.element) <= defs.len()),
                    "{} {}",
                    l.name,
                    slot.tag
                );
            }
        }
    }
}
