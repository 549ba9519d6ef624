//! 005010X212 276 as data: per loop which segments may appear, in which order, how often, with
//! which element usage and codes, written in the schema engine's types (`x12::check::schema`).
//! Source: claim-status.md §6 (SE-276 and LFH-276, the machine-readable encodings of the TR3,
//! and the TR3 business scenarios); where they disagree the comment says which reading is kept.

use crate::x12::check::schema::{Loop, Slot, Use, n, r, rc, sc, slot};

/// Header: ST, BHT.
pub static HEADER: Loop = Loop {
    name: "Transaction set header",
    slots: &[
        slot(
            "ST",
            true,
            1,
            &[rc(1, &["276"]), r(2), rc(3, &["005010X212"])],
        ),
        slot(
            "BHT",
            true,
            1,
            &[rc(1, &["0010"]), rc(2, &["13"]), r(3), r(4), r(5), n(6)],
        ),
    ],
};

const NM1_N_4_7: [Use; 4] = [n(4), n(5), n(6), n(7)];
const NM1_N_TAIL: [Use; 3] = [n(10), n(11), n(12)];

/// 2000A information source (payer) level.
pub static L2000A: Loop = Loop {
    name: "Loop 2000A",
    slots: &[slot(
        "HL",
        true,
        1,
        &[r(1), n(2), rc(3, &["20"]), rc(4, &["1"])],
    )],
};
/// 2100A payer name.
pub static L2100A: Loop = Loop {
    name: "Loop 2100A",
    slots: &[slot(
        "NM1",
        true,
        1,
        &[
            rc(1, &["PR"]),
            rc(2, &["2"]),
            r(3),
            NM1_N_4_7[0],
            NM1_N_4_7[1],
            NM1_N_4_7[2],
            NM1_N_4_7[3],
            rc(8, &["PI", "XV"]),
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
/// 2100B information receiver name: NM108 is the ETIN (`46`) only.
pub static L2100B: Loop = Loop {
    name: "Loop 2100B",
    slots: &[slot(
        "NM1",
        true,
        1,
        &[
            rc(1, &["41"]),
            rc(2, &["1", "2"]),
            n(6),
            n(7),
            rc(8, &["46"]),
            r(9),
            NM1_N_TAIL[0],
            NM1_N_TAIL[1],
            NM1_N_TAIL[2],
        ],
    )],
};

/// 2000C service provider level.
pub static L2000C: Loop = Loop {
    name: "Loop 2000C",
    slots: &[slot(
        "HL",
        true,
        1,
        &[r(1), r(2), rc(3, &["19"]), rc(4, &["1"])],
    )],
};
/// 2100C provider name. SE-276 lets the loop repeat twice (an NPI and a tax ID, say); here that
/// is two NM1s in one 2100C.
pub static L2100C: Loop = Loop {
    name: "Loop 2100C",
    slots: &[slot(
        "NM1",
        true,
        2,
        &[
            rc(1, &["1P"]),
            rc(2, &["1", "2"]),
            n(6),
            rc(8, &["FI", "SV", "XX"]),
            r(9),
            NM1_N_TAIL[0],
            NM1_N_TAIL[1],
            NM1_N_TAIL[2],
        ],
    )],
};

/// DMG of the subscriber (2000D, situational) and the dependent (2000E, required).
const DMG: [Use; 11] = [
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

/// 2000D subscriber level: the DMG comes before the 2100D NM1 (TR3 scenario 1).
pub static L2000D: Loop = Loop {
    name: "Loop 2000D",
    slots: &[
        slot(
            "HL",
            true,
            1,
            &[r(1), r(2), rc(3, &["22"]), rc(4, &["0", "1"])],
        ),
        slot("DMG", false, 1, &DMG),
    ],
};
/// 2100D subscriber name.
pub static L2100D: Loop = Loop {
    name: "Loop 2100D",
    slots: &[slot(
        "NM1",
        true,
        1,
        &[
            rc(1, &["IL"]),
            rc(2, &["1", "2"]),
            r(3),
            n(6),
            rc(8, &["24", "II", "MI"]),
            r(9),
            NM1_N_TAIL[0],
            NM1_N_TAIL[1],
            NM1_N_TAIL[2],
        ],
    )],
};

/// REF01 of a claim: payer claim control number, bill type, location, group number, patient
/// control number, prescription number, clearinghouse trace number (each at most once).
pub const CLAIM_REF_CODES: &[&str] = &["1K", "BLT", "LU", "6P", "EJ", "XZ", "D9"];

/// The segments of 2200D and 2200E (claim status tracking number).
const CLAIM: [Slot; 4] = [
    slot("TRN", true, 1, &[rc(1, &["1"]), r(2), n(3), n(4)]),
    slot("REF", false, 7, &[rc(1, CLAIM_REF_CODES), r(2), n(3), n(4)]),
    slot("AMT", false, 1, &[rc(1, &["T3"]), r(2), n(3)]),
    slot(
        "DTP",
        false,
        1,
        &[rc(1, &["472"]), rc(2, &["D8", "RD8"]), r(3)],
    ),
];

/// SVC01-1, the product or service ID qualifier.
pub const SVC01_CODES: &[&str] = &["AD", "ER", "HC", "HP", "IV", "N4", "NU", "WK"];

/// The segments of 2210D and 2210E (service line information).
const LINE: [Slot; 3] = [
    slot(
        "SVC",
        true,
        1,
        &[rc(1, SVC01_CODES), r(2), n(3), n(5), n(6)],
    ),
    slot("REF", false, 1, &[rc(1, &["FJ"]), r(2), n(3), n(4)]),
    slot(
        "DTP",
        true,
        1,
        &[rc(1, &["472"]), rc(2, &["D8", "RD8"]), r(3)],
    ),
];

/// 2200D claim status tracking number (the subscriber is the patient).
pub static L2200D: Loop = Loop {
    name: "Loop 2200D",
    slots: &CLAIM,
};
/// 2210D service line information.
pub static L2210D: Loop = Loop {
    name: "Loop 2210D",
    slots: &LINE,
};

/// 2000E dependent level: HL04 not used, the DMG required.
pub static L2000E: Loop = Loop {
    name: "Loop 2000E",
    slots: &[
        slot("HL", true, 1, &[r(1), r(2), rc(3, &["23"]), n(4)]),
        slot("DMG", true, 1, &DMG),
    ],
};
/// 2100E dependent (patient) name: no identifier (NM108/NM109 not used).
pub static L2100E: Loop = Loop {
    name: "Loop 2100E",
    slots: &[slot(
        "NM1",
        true,
        1,
        &[
            rc(1, &["QC"]),
            rc(2, &["1"]),
            r(3),
            n(6),
            n(8),
            n(9),
            NM1_N_TAIL[0],
            NM1_N_TAIL[1],
            NM1_N_TAIL[2],
        ],
    )],
};
/// 2200E claim status tracking number.
pub static L2200E: Loop = Loop {
    name: "Loop 2200E",
    slots: &CLAIM,
};
/// 2210E service line information.
pub static L2210E: Loop = Loop {
    name: "Loop 2210E",
    slots: &LINE,
};

/// Trailer: SE.
pub static TRAILER: Loop = Loop {
    name: "Transaction set trailer",
    slots: &[slot("SE", true, 1, &[r(1), r(2)])],
};

/// Every segment ID a 276 transaction set may contain.
pub const TRANSACTION_TAGS: &[&str] = &[
    "AMT", "BHT", "DMG", "DTP", "HL", "NM1", "REF", "SE", "ST", "SVC", "TRN",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::x12::check::schema::elements;

    #[test]
    fn element_rules_are_in_element_order_and_within_the_dictionary() {
        let loops = [
            &HEADER, &L2000A, &L2100A, &L2000B, &L2100B, &L2000C, &L2100C, &L2000D, &L2100D,
            &L2200D, &L2210D, &L2000E, &L2100E, &L2200E, &L2210E, &TRAILER,
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
                assert!(TRANSACTION_TAGS.contains(&slot.tag), "{}", slot.tag);
            }
        }
    }
}
