//! The interchange around one built transaction set: ISA, GS and ST before it, SE, GE and IEA
//! after, the same for every transaction the JSON paths build.

use super::Envelope;
use crate::x12::date::Stamp;
use crate::x12::{Writer, pad_right};

/// What names a transaction set in its envelope.
#[derive(Debug, Clone, Copy)]
pub struct SetKind {
    /// GS01, e.g. `HS`.
    pub functional_id: &'static str,
    /// ST01, e.g. `270`.
    pub id: &'static str,
    /// GS08 and ST03, e.g. `005010X279A1`.
    pub version: &'static str,
}

/// Writes ISA, GS and ST for one transaction set numbered `control` (ISA13, ST02; GS06 without
/// its leading zeros), stamped `now`, and restarts the segment count at ST. Returns GS06.
pub fn open<'c>(
    w: &mut Writer,
    env: &Envelope,
    kind: SetKind,
    control: &'c str,
    now: &Stamp,
) -> &'c str {
    let (date, time) = (now.ccyymmdd(), now.hhmm());
    let group = control.trim_start_matches('0');
    let group = if group.is_empty() { "1" } else { group };
    let blank = pad_right("", 10);
    w.segment(
        "ISA",
        &[
            "00",
            &blank,
            "00",
            &blank,
            &env.sender_qualifier,
            &pad_right(&env.sender_id, 15),
            &env.receiver_qualifier,
            &pad_right(&env.receiver_id, 15),
            &now.yymmdd(),
            &time,
            "^",
            "00501",
            control,
            "0",
            &env.usage,
            ":",
        ],
    );
    w.segment(
        "GS",
        &[
            kind.functional_id,
            &env.application_sender,
            &env.application_receiver,
            &date,
            &time,
            group,
            "X",
            kind.version,
        ],
    );
    w.reset_count();
    w.segment("ST", &[kind.id, control, kind.version]);
    group
}

/// Writes SE (counting from ST), GE and IEA for the set [`open`] began, and returns the text.
pub fn close(mut w: Writer, control: &str, group: &str) -> String {
    let count = (w.count() + 1).to_string();
    w.segment("SE", &[count.as_str(), control]);
    w.segment("GE", &["1", group]);
    w.segment("IEA", &["1", control]);
    w.finish()
}
