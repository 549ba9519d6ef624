//! The interchange around the transaction sets: ISA fixed fields, GS/GE groups, ST/SE pairing,
//! IEA, versions, the transaction (a 276 is not a 270), and the real-time limits (one
//! transaction set, one patient).

use std::collections::HashSet;

use super::element::{self, Uses};
use super::found::{Found, Problems};
use super::schema::{self, Usage, Use};
use super::spec::{Identity, Rules, Spec};
use super::{Options, walk};
use crate::x12::charset::Classes;
use crate::x12::{Segment, date};

const ENVELOPE: &str = "Interchange envelope";
const GROUP: &str = "Functional group";

const fn code(element: u8, codes: &'static [&'static str]) -> Use {
    Use {
        element,
        usage: Usage::R,
        codes: Some(codes),
    }
}
const fn req(element: u8) -> Use {
    Use {
        element,
        usage: Usage::R,
        codes: None,
    }
}

/// GS: GS01 and GS08 name the transaction's functional group and version. When the version or
/// the transaction is already reported, GS01 and GS08 are only required (not reported twice).
fn gs_uses(id: &'static Identity, reported: bool) -> [Use; 8] {
    let (gs01, gs08) = if reported {
        (req(1), req(8))
    } else {
        (
            code(1, std::slice::from_ref(&id.gs01)),
            code(8, std::slice::from_ref(&id.version)),
        )
    };
    [
        gs01,
        req(2),
        req(3),
        req(4),
        req(5),
        req(6),
        code(7, &["X"]),
        gs08,
    ]
}
static TRAILER_USES: [Use; 2] = [req(1), req(2)];

/// ISA element rules: (allowed codes, or a check), by element.
fn isa(seg: &Segment<'_>, out: &mut Problems) {
    let here = |n: usize, rule: &'static str, x12: &'static str| {
        Found::segment(rule, x12, ENVELOPE, seg.index, "ISA").element(n)
    };
    let count = seg.element_count();
    if count != 16 {
        out.push(
            Found::segment("isa_element_count", "022", ENVELOPE, seg.index, "ISA").say(
                format!("The ISA has {count} elements; it must have exactly 16."),
                "Send a complete ISA: 16 elements, 106 characters with its terminator.",
            ),
        );
        return;
    }
    let mut values = [""; 17];
    for (slot, v) in values.iter_mut().skip(1).zip(seg.elements()) {
        *slot = v;
    }
    let get = |n: usize| values.get(n).copied().unwrap_or("");
    let widths = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];
    for (i, w) in widths.iter().enumerate() {
        let n = i + 1;
        let v = get(n);
        if n != 11 && n != 16 && v.bytes().any(|b| !crate::x12::charset::is_allowed(b)) {
            out.push(here(n, "invalid_character", "6").say(
                format!(
                    "ISA{n:02} has a character outside the X12 basic and extended character sets."
                ),
                "Use letters, digits, spaces and the X12 special characters only.",
            ));
        }
        if v.chars().count() != *w {
            out.push(here(n, "isa_element_width", "022").say(
                format!("ISA{n:02} has {} characters; ISA elements have fixed widths and ISA{n:02} takes exactly {w}.", v.chars().count()),
                format!("Pad or correct ISA{n:02} to {w} characters."),
            ));
        }
    }
    let codes: [(usize, &[&str], &str); 7] = [
        (1, &["00", "03"], "TA1 010"),
        (3, &["00", "01"], "TA1 012"),
        (
            5,
            &["01", "14", "20", "27", "28", "29", "30", "33", "ZZ"],
            "TA1 005",
        ),
        (
            7,
            &["01", "14", "20", "27", "28", "29", "30", "33", "ZZ"],
            "TA1 007",
        ),
        (12, &["00501"], "TA1 017"),
        (14, &["0", "1"], "TA1 019"),
        (15, &["P", "T"], "TA1 020"),
    ];
    for (n, allowed, _) in codes {
        let v = get(n);
        let reported_as_version = n == 12 && v.starts_with("004");
        if !reported_as_version && !allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
            out.push(here(n, "invalid_code", "7").say(
                format!(
                    "ISA{n:02} is not a valid code. Allowed: {}.",
                    allowed.join(", ")
                ),
                format!("Use one of: {}.", allowed.join(", ")),
            ));
        }
    }
    let d = get(9);
    if d.len() == 6 && !date::is_yymmdd(d) {
        out.push(here(9, "invalid_date", "014").say(
            "ISA09 is not a date that exists (YYMMDD).",
            "Send ISA09 as YYMMDD.",
        ));
    }
    let t = get(10);
    if t.len() == 4 && !date::is_time(t) {
        out.push(
            here(10, "invalid_time", "015")
                .say("ISA10 is not a valid time (HHMM).", "Send ISA10 as HHMM."),
        );
    }
    let c = get(13);
    if c.len() == 9 && !c.bytes().all(|b| b.is_ascii_digit()) {
        out.push(here(13, "invalid_control_number", "018").say(
            "ISA13 must be 9 digits.",
            "Send a 9-digit interchange control number.",
        ));
    }
    let r = get(11);
    if get(12) == "00501" && (r.len() != 1 || r.bytes().all(|b| b.is_ascii_alphanumeric())) {
        out.push(here(11, "isa11_not_a_separator", "026").say(
            "ISA11 must be the repetition separator (a special character such as `^`) in version 00501.",
            "Set ISA11 to `^`.",
        ));
    }
}

/// True when the interchange is 4010, or its version identifiers disagree (ISA12 4010 around a
/// group that names another version); reported once, truthfully, and its transaction sets are
/// then not checked against the 5010 rules (no cascade).
fn wrong_version(segs: &[Segment<'_>], id: &Identity, out: &mut Problems) -> bool {
    let old = |v: Option<&str>| v.is_some_and(|v| v.starts_with("004"));
    let isa12 = segs.first().and_then(|s| s.element(12));
    let gs = segs.iter().find(|s| s.tag == "GS");
    let gs08 = gs.and_then(|s| s.element(8));
    if !old(isa12) && !old(gs08) {
        return false;
    }
    let (v, st, was) = (id.version, id.st01, id.old_version);
    let resolution = format!("Send a {v} {st}: ISA12 = 00501 (ISA11 = `^`), GS08 and ST03 = {v}.");
    let found = if old(isa12) && (old(gs08) || gs08.is_none()) {
        Found::segment("version", "017", ENVELOPE, 1, "ISA").element(12).say(
            format!("This is a 4010 ({was}) interchange; the gateway accepts {v} {st}s only (HIPAA 5010 since 2012)."),
            resolution,
        )
    } else if old(isa12) {
        Found::segment("version", "017", ENVELOPE, 1, "ISA").element(12).say(
            format!("ISA12 says version 4010 (`00401`), but GS08 names another version: the version identifiers disagree, and the gateway accepts {v} {st}s only."),
            resolution,
        )
    } else if old(gs08) {
        Found::segment("version", "017", ENVELOPE, gs.map_or(1, |s| s.index), "GS").element(8).say(
            format!("GS08 names a 4010 ({was}) transaction; the gateway accepts {v} {st}s only (HIPAA 5010 since 2012)."),
            resolution,
        )
    } else {
        return false;
    };
    out.push(found);
    true
}

/// Another transaction sent where this one belongs (a 276 to the 270 validator): reported once,
/// at the first ST whose ST01 names it, else at a GS08 naming its version; its transaction sets
/// are then not checked against this one's rules (no cascade).
fn wrong_transaction<R>(segs: &[Segment<'_>], spec: &Spec<R>, out: &mut Problems) -> bool {
    // The tag first: reading an element cuts the segment.
    let at_st = segs.iter().filter(|s| s.tag == "ST").find_map(|s| {
        let st01 = s.element(1)?;
        let other = spec.others.iter().find(|o| o.st01 == st01)?;
        Some((s, 1, other))
    });
    let at_gs = || {
        segs.iter().filter(|s| s.tag == "GS").find_map(|s| {
            let gs08 = s.element(8)?;
            let other = spec.others.iter().find(|o| o.version == gs08)?;
            Some((s, 8, other))
        })
    };
    let Some((seg, element, other)) = at_st.or_else(at_gs) else {
        return false;
    };
    let (location, field) = if seg.tag == "ST" {
        ("Transaction set header", "ST01")
    } else {
        (GROUP, "GS08")
    };
    let me = spec.id;
    out.push(
        Found::segment("wrong_transaction", "6", location, seg.index, seg.tag)
            .element(element)
            .say(
                format!(
                    "{field} says this is a {}, not a {}; send it to {}.",
                    other.what, me.what, other.route
                ),
                format!(
                    "Send {} {} interchanges here (GS01 = {}, GS08 and ST03 = {}), and {}s to {}.",
                    me.version, me.st01, me.gs01, me.version, other.st01, other.route
                ),
            ),
    );
    true
}

/// Everything between ISA and IEA, and the interchange-level rules.
pub fn check<R: Rules>(
    spec: &'static Spec<R>,
    segs: &[Segment<'_>],
    opts: Options,
    today: &str,
    out: &mut Problems,
) {
    let Some(first) = segs.first() else { return };
    isa(first, out);
    let old = wrong_version(segs, spec.id, out);
    let old = old || wrong_transaction(segs, spec, out);
    let run = Run {
        spec,
        old,
        gs: gs_uses(spec.id, old),
        opts,
        today,
        classes: Classes::new(first.delimiters()),
    };
    let mut in_group = false;
    let mut ended = false;
    let mut transactions = 0u32;
    let mut st02s: HashSet<&str> = HashSet::new();
    let mut i = 1;
    while let Some(seg) = segs.get(i) {
        if !out.tick() {
            return;
        }
        if ended {
            out.push(
                Found::segment("after_iea", "022", ENVELOPE, seg.index, seg.tag).say(
                    "Segments follow the IEA; a request carries one interchange.",
                    "Send one ISA…IEA interchange per request.",
                ),
            );
            break;
        }
        match seg.tag {
            "GS" => {
                if in_group {
                    out.push(missing(
                        "ge_missing",
                        "024",
                        GROUP,
                        seg,
                        "GE",
                        "The previous functional group has no GE.",
                    ));
                }
                in_group = true;
                st02s.clear();
                elements(seg, &run.gs, GROUP, &run, out);
            }
            "ST" => {
                if !in_group {
                    out.push(
                        Found::segment("outside_group", "024", GROUP, seg.index, "ST").say(
                            "ST appears outside a GS/GE functional group.",
                            "Wrap transaction sets in GS … GE.",
                        ),
                    );
                }
                let upto = transaction_set(segs, i, &run, &mut st02s, out);
                transactions += 1;
                i = upto;
                continue;
            }
            "SE" => out.push(
                Found::segment(
                    "unexpected_segment",
                    "2",
                    "Transaction set trailer",
                    seg.index,
                    "SE",
                )
                .say("SE without a matching ST.", "Remove the SE or add its ST."),
            ),
            "GE" => {
                if !in_group {
                    out.push(
                        Found::segment("unexpected_segment", "024", GROUP, seg.index, "GE")
                            .say("GE without a matching GS.", "Remove the GE or add its GS."),
                    );
                }
                in_group = false;
                elements(seg, &TRAILER_USES, GROUP, &run, out);
            }
            "IEA" => {
                if in_group {
                    out.push(missing(
                        "ge_missing",
                        "024",
                        GROUP,
                        seg,
                        "GE",
                        "The functional group has no GE.",
                    ));
                    in_group = false;
                }
                ended = true;
                elements(seg, &TRAILER_USES, ENVELOPE, &run, out);
            }
            other => out.push(
                Found::segment(
                    "outside_transaction",
                    "2",
                    if in_group { GROUP } else { ENVELOPE },
                    seg.index,
                    other,
                )
                .say(
                    format!("{other} appears outside an ST/SE transaction set."),
                    "Move the segment into its transaction set or remove it.",
                ),
            ),
        }
        i += 1;
    }
    if in_group {
        let last = segs.last().unwrap_or(first);
        out.push(missing(
            "ge_missing",
            "024",
            GROUP,
            last,
            "GE",
            "The functional group has no GE.",
        ));
    }
    if !ended {
        let last = segs.last().unwrap_or(first);
        out.push(missing(
            "iea_missing",
            "023",
            ENVELOPE,
            last,
            "IEA",
            "The interchange has no IEA trailer.",
        ));
    }
    if transactions == 0 {
        out.push(
            Found::segment("transaction_missing", "6", ENVELOPE, first.index, "ISA").say(
                "The interchange holds no ST transaction set.",
                format!(
                    "Send a {} transaction set (ST … SE) inside a GS/GE group.",
                    spec.id.st01
                ),
            ),
        );
    }
    if opts.real_time && transactions > 1 {
        out.push(Found::segment("one_transaction_per_request", "5", ENVELOPE, first.index, "ISA").say(
            format!("The interchange holds {transactions} transaction sets; a real-time request carries one."),
            format!("Send one request per transaction set (batch {}s are not real-time).", spec.id.st01),
        ));
    }
}

/// What holds for the whole interchange while its segments are walked.
struct Run<'t, R: 'static> {
    spec: &'static Spec<R>,
    /// A 4010 interchange, or another transaction: reported once, its transaction sets not
    /// checked against this transaction's rules.
    old: bool,
    /// GS element usage.
    gs: [Use; 8],
    opts: Options,
    today: &'t str,
    classes: Classes,
}

/// An envelope segment's elements against its schema.
fn elements<R>(
    seg: &Segment<'_>,
    uses: &[Use],
    location: &'static str,
    run: &Run<'_, R>,
    out: &mut Problems,
) {
    let defs = schema::elements(seg.tag).unwrap_or(&[]);
    let uses = Uses { uses, repeats: &[] };
    element::check(
        seg,
        defs,
        uses,
        location,
        run.spec.id.version,
        &run.classes,
        out,
    );
}

/// One ST…SE (or ST… up to the next envelope segment when SE is missing) starting at `segs[i]`;
/// returns the index after it.
fn transaction_set<'a, R: Rules>(
    segs: &[Segment<'a>],
    i: usize,
    run: &Run<'_, R>,
    st02s: &mut HashSet<&'a str>,
    out: &mut Problems,
) -> usize {
    let Some(seg) = segs.get(i) else { return i + 1 };
    let end = segs
        .iter()
        .skip(i + 1)
        .position(|s| matches!(s.tag, "SE" | "ST" | "GE" | "IEA" | "GS"))
        .map_or(segs.len(), |p| i + 1 + p);
    let has_se = segs.get(end).is_some_and(|s| s.tag == "SE");
    let upto = if has_se { end + 1 } else { end };
    if let Some(c) = seg.element(2)
        && !st02s.insert(c)
    {
        out.push(
            Found::segment(
                "duplicate_control_number",
                "I6",
                "Transaction set header",
                seg.index,
                "ST",
            )
            .element(2)
            .say(
                "ST02 repeats the control number of an earlier transaction set in this group.",
                "Give each transaction set in a group its own ST02.",
            ),
        );
    }
    if !has_se {
        out.push(missing(
            "se_missing",
            "2",
            "Transaction set trailer",
            seg,
            "SE",
            "The transaction set has no SE trailer.",
        ));
    }
    if !run.old {
        let summary = walk::check(
            run.spec,
            segs.get(i..upto).unwrap_or(&[]),
            out,
            run.today,
            &run.classes,
        );
        if run.opts.real_time && run.spec.one_patient && summary.patients > 1 {
            out.push(Found::segment("one_patient_per_request", "5", run.spec.patient_loop(), seg.index, "ST").say(
                    format!("The transaction set asks about {} patients; a real-time {} carries one patient (one subscriber, or one dependent).", summary.patients, run.spec.id.st01),
                    "Send one request per patient.",
                ));
        }
    }
    upto
}

fn missing(
    rule: &'static str,
    x12: &'static str,
    location: &'static str,
    near: &Segment<'_>,
    what: &str,
    text: &str,
) -> Found {
    Found::segment(rule, x12, location, near.index, near.tag)
        .say(text.to_owned(), format!("Add the {what} segment."))
}
