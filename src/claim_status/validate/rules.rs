//! The 276's business rules beyond loops and element syntax: the claim loop at the patient's
//! level only, trace numbers that tell the claims apart, each claim identifier once, identifiers
//! in pairs, and dates that exist, are in order and are not in the future.

use std::collections::HashSet;

use super::schema::{self, CLAIM_REF_CODES};
use crate::x12::Segment;
use crate::x12::check::found::{Found, Problems};
use crate::x12::check::spec::{Hl, Level, Rules, Txn};
use crate::x12::check::{common, is_patient};

/// The 005010X212 276's rules.
#[derive(Debug, Clone, Copy)]
pub struct X212;

/// What the rules remember within one transaction set.
#[derive(Debug, Default)]
pub struct Claims {
    /// TRN02 of each claim so far: the 277 answers each claim under its TRN02.
    traces: HashSet<Box<str>>,
    /// Bit `k`: `CLAIM_REF_CODES[k]` was used in the current claim.
    refs: u8,
}

type T<'o> = Txn<'o, Claims>;

impl Rules for X212 {
    type State = Claims;

    fn segment(&self, t: &mut T<'_>, seg: &Segment<'_>) {
        let location = t.current.name;
        let claim = std::ptr::eq(t.current, &raw const schema::L2200D)
            || std::ptr::eq(t.current, &raw const schema::L2200E);
        match seg.tag {
            "NM1" => common::nm1_id_pair(t.out, location, seg),
            "DMG" => common::birth_date(t.out, location, seg, t.today),
            "DTP" => {
                if let Some(start) = common::dtp_dates(t.out, location, seg)
                    && start > t.today
                {
                    t.out.push(
                        Found::segment("date_in_future", "8", location, seg.index, seg.tag)
                            .element(3)
                            .say(
                                format!("DTP03 (service date) in {location} is in the future: a claim status request asks about claims already submitted."),
                                "Send the claim's or line's dates of service.",
                            ),
                    );
                }
            }
            "TRN" if claim => {
                t.state.refs = 0;
                if let Some(trace) = seg.element(2)
                    && !t.state.traces.insert(trace.into())
                {
                    t.out.push(Found::segment("duplicate_trace", "8", location, seg.index, seg.tag).element(2).say(
                        format!("TRN02 in {location} repeats the trace number of an earlier claim in this transaction set; the 277 answers each claim under its trace number."),
                        "Give each claim (2200D/2200E TRN02) its own trace number.",
                    ));
                }
            }
            "REF" if claim => {
                let k = seg
                    .element(1)
                    .and_then(|q| CLAIM_REF_CODES.iter().position(|c| *c == q));
                if let Some(bit) = k.map(|k| 1u8 << k.min(7)) {
                    if t.state.refs & bit != 0 {
                        t.out.push(Found::segment("duplicate_qualifier", "5", location, seg.index, seg.tag).element(1).say(
                            format!("REF01 in {location} repeats a qualifier already used in this claim; each claim identifier is sent at most once."),
                            "Send each REF qualifier (1K, BLT, LU, 6P, EJ, XZ, D9) at most once per claim.",
                        ));
                    }
                    t.state.refs |= bit;
                }
            }
            _ => {}
        }
    }

    fn finish(&self, t: &mut T<'_>, levels: &'static [Level]) {
        for h in &t.hls {
            let Some(level) = levels.get(h.level) else {
                continue;
            };
            if let Some(claim) = level.inner.first().map(|i| i.part) {
                claims(t.out, h, is_patient(level.patient, h), claim.name);
            }
        }
    }
}

/// The patient's level asks about a claim (2200D/E), and a subscriber who is not the patient
/// about none.
fn claims(out: &mut Problems, h: &Hl, patient: bool, name: &'static str) {
    let has_claim = h.inner & 1 != 0;
    if patient && !has_claim {
        out.push(Found::segment("loop_missing", "I7", name, h.index, "HL").say(
            format!("{name} (TRN) is missing: the 276 asks about at least one claim of the patient."),
            "Add the claim: a TRN with its trace number (TRN*1*…), then its REF, AMT and DTP segments.",
        ));
    }
    if !patient && has_claim {
        out.push(Found::segment("claim_not_for_patient", "2", name, h.index, "HL").say(
            format!("{name} is used, but the subscriber is not the patient (a dependent level follows); put the claim in Loop 2200E."),
            "Move the TRN and the claim's segments to the dependent's Loop 2200E.",
        ));
    }
}
