//! A 999 or TA1 where a 271 was expected: the payer could not read the 270. Mapped to
//! `transactionSetAcknowledgement` / `implementationTransactionSetSyntaxError` and one `errors[]`
//! entry per IK3, IK4, IK5 code and TA1 note, each with the position it names in the 270 we sent.

use std::borrow::Cow;

use crate::eligibility::codes;
use crate::eligibility::model::AaaError;
use crate::x12::CutSegment as Seg;

const RESUBMIT: &str = "Please Correct and Resubmit";
const ADVICE_999: &str = "The payer rejected the syntax of the 270 it was sent (999 acknowledgement). Correct the segment or element named in location and resubmit.";
const ADVICE_TA1: &str = "The payer rejected the interchange envelope (ISA/IEA) of the 270 it was sent (TA1 acknowledgement). Check the envelope and resubmit.";

/// What a 999 transaction set said.
#[derive(Debug, Default, Clone)]
pub struct Ack<'a> {
    /// IK501 (or AK901 when no IK5 came), the first rejection winning over acceptances.
    pub code: Option<&'a str>,
    /// IK502 of that IK5.
    pub syntax_error: Option<&'a str>,
    /// IK3/IK4/IK5 errors in 999 order.
    pub errors: Vec<AaaError<'a>>,
    /// Where the last IK3 points, for the IK4s under it.
    segment_location: Option<String>,
    /// AK202 of the current AK2 loop (the 270's ST02).
    set_control: Option<&'a str>,
    /// Whether an IK5 was seen (AK901 is only a fallback).
    ik5_seen: bool,
}

fn error<'a>(
    field: &'static str,
    code: &'a str,
    table: &'static [(&'static str, &'static str)],
    location: String,
    advice: &'static str,
) -> AaaError<'a> {
    AaaError {
        field,
        code: Some(Cow::Borrowed(code)),
        description: codes::name(table, code),
        followup_action: Some(Cow::Borrowed(RESUBMIT)),
        location: Some(Cow::Owned(location)),
        possible_resolutions: Some(advice),
    }
}

fn is_accepted(code: &str) -> bool {
    matches!(code, "A" | "E")
}

impl<'a> Ack<'a> {
    /// Takes one segment of a 999 transaction set.
    pub fn segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "AK2" => {
                self.set_control = seg.element(2);
                self.segment_location = None;
            }
            "IK3" => {
                let mut at = String::new();
                if let Some(l) = seg.element(3) {
                    at.push_str("Loop ");
                    at.push_str(l);
                }
                if let Some(p) = seg.element(2) {
                    if !at.is_empty() {
                        at.push_str(", ");
                    }
                    at.push_str("segment ");
                    at.push_str(p);
                }
                if let Some(t) = seg.element(1) {
                    at.push_str(if at.is_empty() { "`" } else { " `" });
                    at.push_str(t);
                    at.push('`');
                }
                if let Some(code) = seg.element(4) {
                    self.errors.push(error(
                        "IK3",
                        code,
                        codes::SEGMENT_ERRORS,
                        at.clone(),
                        ADVICE_999,
                    ));
                }
                self.segment_location = Some(at);
            }
            "IK4" => {
                let mut at = self.segment_location.clone().unwrap_or_default();
                if let Some(e) = seg.component(1, 1) {
                    if !at.is_empty() {
                        at.push_str(", ");
                    }
                    at.push_str("element ");
                    if e.len() < 2 {
                        at.push('0');
                    }
                    at.push_str(e);
                    if let Some(c) = seg.component(1, 2) {
                        at.push_str(", component ");
                        at.push_str(c);
                    }
                }
                if let Some(code) = seg.element(3) {
                    self.errors
                        .push(error("IK4", code, codes::ELEMENT_ERRORS, at, ADVICE_999));
                }
            }
            "IK5" => {
                let code = seg.element(1);
                let rejects = code.is_some_and(|c| !is_accepted(c));
                let had_rejection = self.code.is_some_and(|c| !is_accepted(c));
                if !self.ik5_seen || (rejects && !had_rejection) {
                    self.code = code;
                    self.syntax_error = seg.element(2);
                }
                self.ik5_seen = true;
                let at = self.set_control.map_or_else(
                    || "Transaction set".to_owned(),
                    |c| format!("Transaction set {c}"),
                );
                for n in 2..=6 {
                    if let Some(code) = seg.element(n) {
                        self.errors.push(error(
                            "IK5",
                            code,
                            codes::TRANSACTION_SET_ERRORS,
                            at.clone(),
                            ADVICE_999,
                        ));
                    }
                }
            }
            "AK9" if !self.ik5_seen => self.code = seg.element(1),
            _ => {}
        }
    }
}

/// A TA1: its acknowledgment code (TA104) and, unless the note is `000`, an error for TA105.
pub fn ta1<'a>(seg: &Seg<'a>) -> (Option<&'a str>, Option<AaaError<'a>>) {
    let note = seg.element(5).filter(|n| *n != "000");
    let at = seg
        .element(1)
        .map_or_else(|| "Interchange".to_owned(), |c| format!("Interchange {c}"));
    (
        seg.element(4),
        note.map(|n| error("TA1", n, codes::INTERCHANGE_NOTES, at, ADVICE_TA1)),
    )
}
