//! The 270's business rules beyond loops and element syntax: identifiers in pairs, dates that
//! exist and are not in the future, EQ service types, the inquiry at the patient's level, and the
//! guide's search options.

use super::schema;
use crate::eligibility::codes;
use crate::x12::Segment;
use crate::x12::check::common;
use crate::x12::check::found::{Found, Problems};
use crate::x12::check::spec::{Hl, Level, Rules, Txn};

/// The 005010X279A1 270's rules.
#[derive(Debug, Clone, Copy)]
pub struct X279A1;

/// What a 2100C/2100D says about the person, for the search-option rule.
#[derive(Debug, Default, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)] // independent facts, one per search-option ingredient
pub struct Person {
    nm1: u32,
    last: bool,
    first: bool,
    id: bool,
    ssn: bool,
    birth: bool,
}

/// The persons named in one transaction set, each with the index of its HL.
#[derive(Debug, Default)]
pub struct Persons(Vec<(usize, Person)>);

type T<'o> = Txn<'o, Persons>;

impl Rules for X279A1 {
    type State = Persons;

    fn segment(&self, t: &mut T<'_>, seg: &Segment<'_>) {
        business(t, seg);
    }

    fn finish(&self, t: &mut T<'_>, levels: &'static [Level]) {
        for h in &t.hls {
            let Some(level) = levels.get(h.level) else {
                continue;
            };
            if let Some(inq) = level.inner.first().map(|i| i.part) {
                inquiry(
                    t.out,
                    h,
                    crate::x12::check::is_patient(level.patient, h),
                    inq.name,
                );
            }
        }
        search_options(t, levels);
    }
}

/// The patient's level has its inquiry (2110C/D), and a subscriber who is not the patient none.
fn inquiry(out: &mut Problems, h: &Hl, patient: bool, name: &'static str) {
    let has_inquiry = h.inner & 1 != 0;
    if patient && !has_inquiry {
        out.push(
            Found::segment("loop_missing", "I7", name, h.index, "HL").say(
                format!("{name} (EQ) is missing: the patient's inquiry needs at least one EQ."),
                "Add an EQ segment, e.g. EQ*30 for general health benefit plan coverage.",
            ),
        );
    }
    if !patient && has_inquiry {
        out.push(Found::segment("inquiry_not_for_patient", "2", name, h.index, "HL").say(
            format!("{name} is used, but the subscriber is not the patient (a dependent level follows); put the EQ in Loop 2110D."),
            "Move the EQ segments to the dependent's Loop 2110D.",
        ));
    }
}

/// Rules beyond element syntax.
fn business(t: &mut T<'_>, seg: &Segment<'_>) {
    let location = t.current.name;
    let person_loop = std::ptr::eq(t.current, &raw const schema::L2100C)
        || std::ptr::eq(t.current, &raw const schema::L2100D);
    match seg.tag {
        "NM1" => {
            common::nm1_id_pair(t.out, location, seg);
            if person_loop {
                let hl = t.hls.len().saturating_sub(1);
                t.state.0.push((
                    hl,
                    Person {
                        nm1: seg.index,
                        last: seg.element(3).is_some(),
                        first: seg.element(4).is_some(),
                        id: seg.element(9).is_some(),
                        ..Person::default()
                    },
                ));
            }
        }
        "REF" if person_loop && seg.element(1) == Some("SY") => {
            if let Some((_, p)) = t.state.0.last_mut() {
                p.ssn = true;
            }
        }
        "DMG" if person_loop => {
            if let Some((_, p)) = t.state.0.last_mut() {
                p.birth = seg.element(2).is_some();
            }
            common::birth_date(t.out, location, seg, t.today);
        }
        "DTP" => {
            common::dtp_dates(t.out, location, seg);
        }
        "EQ" => eq(t, seg),
        _ => {}
    }
}

fn eq(t: &mut T<'_>, seg: &Segment<'_>) {
    let location = t.current.name;
    if seg.element(1).is_none() && seg.element(2).is_none() {
        t.out.push(Found::segment("eq_service_missing", "2", location, seg.index, seg.tag).element(1).say(
                format!("EQ in {location} has neither a service type (EQ01) nor a procedure (EQ02)."),
                "Send a service type code in EQ01 (30 for general health benefit plan coverage) or a procedure in EQ02.",
            ));
    }
    // Past EQ01's 99 repetitions the count is the problem (reported by the element rule).
    for (i, code) in seg.repeats(1).enumerate().take(99) {
        if !code.is_empty()
            && code.len() <= 2
            && code.bytes().all(|b| b.is_ascii_alphanumeric())
            && !codes::contains(codes::SERVICE_TYPES_5010, &code.to_ascii_uppercase())
        {
            t.out.push(Found::segment("invalid_code", "7", location, seg.index, seg.tag).element(1).within(0, i + 1).say(
                    format!("EQ01 (repetition {}) in {location} is not a 005010X279A1 service type code.", i + 1),
                    "Use a service type code from the 5010 list (e.g. 30 health benefit plan coverage, 98 professional physician visit).",
                ));
        }
    }
}

/// The IG's search options: the patient must be identifiable.
fn search_options(t: &mut T<'_>, levels: &[Level]) {
    for (hl, p) in &t.state.0 {
        let Some(h) = t.hls.get(*hl) else { continue };
        match levels.get(h.level).map_or("", |l| l.code) {
            "22" if h.children == 0
                && !(p.id || (p.last && p.first && p.birth) || (p.ssn && p.birth)) =>
            {
                t.out.push(Found::segment("search_option", "I9", "Loop 2100C", p.nm1, "NM1").say(
                            "The subscriber cannot be identified: Loop 2100C needs the member ID (NM109), or last name (NM103), first name (NM104) and date of birth (DMG02).",
                            "Send the member ID, first name, last name and date of birth for the best match.",
                        ));
            }
            "22" if h.children > 0 && !p.id => {
                t.out.push(Found::segment("search_option", "I9", "Loop 2100C", p.nm1, "NM1").element(9).say(
                            "The patient is a dependent, so Loop 2100C needs the subscriber's member ID (NM109).",
                            "Send the subscriber's member ID in 2100C NM109 and the dependent's name and date of birth in 2100D.",
                        ));
            }
            "23" if !(p.last || p.first || p.birth) => {
                t.out.push(Found::segment("search_option", "I9", "Loop 2100D", p.nm1, "NM1").say(
                            "The dependent cannot be identified: Loop 2100D needs the dependent's name (NM103, NM104) or date of birth (DMG02).",
                            "Send the dependent's first name, last name and date of birth.",
                        ));
            }
            _ => {}
        }
    }
}
