//! The 270's business rules beyond loops and element syntax: identifiers in pairs, dates that
//! exist and are not in the future, EQ service types, and the guide's search options.

use super::{Level, Person, Walk, schema};
use crate::eligibility::codes;
use crate::eligibility::validate::found::Found;
use crate::x12::{Segment, date};

impl<'a> Walk<'a, '_> {
    /// Rules beyond element syntax.
    pub(super) fn business(&mut self, seg: &Segment<'a>) {
        let location = self.current.name;
        let person_loop = std::ptr::eq(self.current, &raw const schema::L2100C)
            || std::ptr::eq(self.current, &raw const schema::L2100D);
        match seg.tag {
            "NM1" => {
                if seg.element(8).is_some() != seg.element(9).is_some() {
                    let missing = if seg.element(8).is_some() { 9 } else { 8 };
                    self.out.push(Found::segment("paired_elements", "2", location, seg.index, seg.tag).element(missing).say(
                        format!("NM108 and NM109 in {location} go together: one is present, NM1{missing:02} is missing."),
                        "Send the identification qualifier (NM108) with the identifier (NM109), or neither.",
                    ));
                }
                if person_loop {
                    let hl = self.hls.len().saturating_sub(1);
                    self.persons.push((
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
                if let Some((_, p)) = self.persons.last_mut() {
                    p.ssn = true;
                }
            }
            "DMG" if person_loop => {
                if let Some((_, p)) = self.persons.last_mut() {
                    p.birth = seg.element(2).is_some();
                }
                if let Some(dob) = seg.element(2).filter(|d| date::is_ccyymmdd(d)) {
                    if dob > self.today {
                        self.out.push(
                            Found::segment("date_in_future", "8", location, seg.index, seg.tag)
                                .element(2)
                                .say(
                                    format!(
                                        "DMG02 (date of birth) in {location} is in the future."
                                    ),
                                    "Check the date of birth.",
                                ),
                        );
                    }
                } else if seg.element(2).is_some() && seg.element(1) == Some("D8") {
                    self.out.push(Found::segment("invalid_date", "8", location, seg.index, seg.tag).element(2).say(
                        format!("DMG02 (date of birth) in {location} is not a date that exists (CCYYMMDD)."),
                        "Send the date of birth as CCYYMMDD.",
                    ));
                }
            }
            "DTP" => self.dtp(seg),
            "EQ" => self.eq(seg),
            _ => {}
        }
    }

    fn dtp(&mut self, seg: &Segment<'a>) {
        let location = self.current.name;
        let (Some(format), Some(value)) = (seg.element(2), seg.element(3)) else {
            return;
        };
        let problem = match format {
            "D8" => (!date::is_ccyymmdd(value)).then_some("is not a date that exists (CCYYMMDD)"),
            "RD8" => match value.split_once('-') {
                Some((a, b)) if date::is_ccyymmdd(a) && date::is_ccyymmdd(b) => {
                    (a > b).then_some("is a range whose start is after its end")
                }
                _ => Some("is not a date range that exists (CCYYMMDD-CCYYMMDD)"),
            },
            _ => None,
        };
        if let Some(p) = problem {
            let rule = if p.contains("start is after") {
                "date_range_order"
            } else {
                "invalid_date"
            };
            self.out.push(Found::segment(rule, "8", location, seg.index, seg.tag).element(3).say(
                format!("DTP03 in {location} {p}."),
                "Send DTP03 as CCYYMMDD (DTP02 = D8) or CCYYMMDD-CCYYMMDD with the earlier date first (DTP02 = RD8).",
            ));
        }
    }

    fn eq(&mut self, seg: &Segment<'a>) {
        let location = self.current.name;
        if seg.element(1).is_none() && seg.element(2).is_none() {
            self.out.push(Found::segment("eq_service_missing", "2", location, seg.index, seg.tag).element(1).say(
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
                self.out.push(Found::segment("invalid_code", "7", location, seg.index, seg.tag).element(1).within(0, i + 1).say(
                    format!("EQ01 (repetition {}) in {location} is not a 005010X279A1 service type code.", i + 1),
                    "Use a service type code from the 5010 list (e.g. 30 health benefit plan coverage, 98 professional physician visit).",
                ));
            }
        }
    }

    /// The IG's search options: the patient must be identifiable.
    pub(super) fn search_options(&mut self) {
        for (hl, p) in &self.persons {
            let Some(h) = self.hls.get(*hl) else { continue };
            match h.level {
                Level::Subscriber
                    if h.children == 0
                        && !(p.id || (p.last && p.first && p.birth) || (p.ssn && p.birth)) =>
                {
                    self.out.push(Found::segment("search_option", "I9", "Loop 2100C", p.nm1, "NM1").say(
                            "The subscriber cannot be identified: Loop 2100C needs the member ID (NM109), or last name (NM103), first name (NM104) and date of birth (DMG02).",
                            "Send the member ID, first name, last name and date of birth for the best match.",
                        ));
                }
                Level::Subscriber if h.children > 0 && !p.id => {
                    self.out.push(Found::segment("search_option", "I9", "Loop 2100C", p.nm1, "NM1").element(9).say(
                            "The patient is a dependent, so Loop 2100C needs the subscriber's member ID (NM109).",
                            "Send the subscriber's member ID in 2100C NM109 and the dependent's name and date of birth in 2100D.",
                        ));
                }
                Level::Dependent if !(p.last || p.first || p.birth) => {
                    self.out.push(Found::segment("search_option", "I9", "Loop 2100D", p.nm1, "NM1").say(
                            "The dependent cannot be identified: Loop 2100D needs the dependent's name (NM103, NM104) or date of birth (DMG02).",
                            "Send the dependent's first name, last name and date of birth.",
                        ));
                }
                _ => {}
            }
        }
    }
}
