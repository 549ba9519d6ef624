//! The repair pass over text whose delimiters are final: one walk that writes the canonical
//! text only once something differs, and notes each repair.

use std::borrow::Cow;

use super::identifiers::{self, Renumbered};
use super::{Note, Repair, Repaired, STANDARD, Target};
use crate::x12::charset::{Classes, class};
use crate::x12::check::schema::{self, Ty};
use crate::x12::{Delimiters, Segment};

/// ISA element widths (1-based index → width) and whether the element is a code.
const ISA_WIDTHS: [(usize, bool); 16] = [
    (2, true),
    (10, false),
    (2, true),
    (10, false),
    (2, true),
    (15, false),
    (2, true),
    (15, false),
    (6, false),
    (4, false),
    (1, false),
    (5, true),
    (9, false),
    (1, true),
    (1, true),
    (1, false),
];

const BOM: &str = "\u{feff}";

struct Pass<'a, 't> {
    target: &'t Target,
    input: &'a str,
    /// Where the ISA starts (after a BOM and leading whitespace).
    start: usize,
    /// The interchange's delimiters (standard unless they could not be standardised).
    delims: Delimiters,
    /// The canonical text, once it differs from the input.
    out: Option<String>,
    notes: Vec<Note>,
    st_index: u32,
    st02: Option<Cow<'a, str>>,
    gs06: Option<Cow<'a, str>>,
    isa13: Option<Cow<'a, str>>,
    sets_in_group: u32,
    groups: u32,
    /// Byte classes of the interchange.
    classes: Classes,
    /// Reused element buffer (one allocation per interchange, not per segment).
    scratch: Vec<Cow<'a, str>>,
    /// The version identifiers are rewritten to the transaction's ([`Repair::Version`]).
    version: bool,
    /// HLs to renumber, in segment order ([`Repair::HlNumbering`]).
    renumber: Vec<Renumbered>,
}

/// The repairs other than delimiters, on text whose delimiters are final. `version_ok`: the
/// version may be repaired (a 4010 envelope's ISA11 can become `^` without changing data).
pub(super) fn pass<'a>(
    target: &Target,
    input: &'a str,
    segs: &[Segment<'a>],
    start: usize,
    version_ok: bool,
) -> Repaired<'a> {
    let delims = segs.first().map_or(STANDARD, Segment::delimiters);
    let mut p = Pass {
        target,
        input,
        start,
        delims,
        out: None,
        notes: Vec::new(),
        st_index: 0,
        st02: None,
        gs06: None,
        isa13: None,
        sets_in_group: 0,
        groups: 0,
        scratch: Vec::with_capacity(24),
        classes: Classes::new(delims),
        version: version_ok && identifiers::version_mixed(segs, target),
        renumber: identifiers::renumbering(segs),
    };
    let bom = input.starts_with(BOM);
    if bom {
        p.note(Repair::Bom, 1, 0);
    }
    let mut gaps = 0u32;
    let mut first_gap = 0u32;
    if start > if bom { BOM.len() } else { 0 } {
        gaps += 1;
        first_gap = 1;
    }
    if start > 0 {
        p.dirty(start);
    }
    let mut expected = start;
    for seg in segs {
        let gap = input.get(expected..seg.offset).unwrap_or("");
        // Whitespace and stray byte-order marks between segments are what the reader skips.
        let filler = |c: char| c.is_whitespace() || c == '\u{feff}';
        if !gap.trim_matches(filler).is_empty() {
            // Unreadable segments (reported as errors) are carried over as they are, without the
            // whitespace around them.
            p.dirty(expected);
            if let Some(out) = p.out.as_mut() {
                out.push_str(gap.trim_matches(filler));
            }
        } else if !gap.is_empty() {
            gaps += 1;
            if first_gap == 0 {
                first_gap = seg.index;
            }
            p.dirty(expected);
        }
        p.segment(seg, expected);
        expected = seg.end() + usize::from(seg.terminated);
    }
    if input.len() > expected {
        gaps += 1;
        if first_gap == 0 {
            first_gap = segs.last().map_or(1, |s| s.index);
        }
        p.dirty(expected);
    }
    if gaps > 0 {
        p.notes.push(Note {
            repair: Repair::Whitespace,
            segment: first_gap,
            element: 0,
            count: gaps,
        });
    }
    p.notes.sort_by_key(|n| (n.segment, n.element, n.repair));
    let notes = merge(p.notes);
    let text = p.out.map_or(Cow::Borrowed(input), Cow::Owned);
    Repaired {
        text,
        notes,
        delimiter_conflict: None,
    }
}

/// Reports repairs that happen at many places once per kind, with the first place and a count.
fn merge(notes: Vec<Note>) -> Vec<Note> {
    let mut out: Vec<Note> = Vec::with_capacity(notes.len());
    // Where each aggregated kind's first note is in `out` (a handful of kinds: no rescan of `out`).
    let mut firsts: Vec<(Repair, usize)> = Vec::new();
    for n in notes {
        let aggregated = matches!(
            n.repair,
            Repair::TrailingSeparators
                | Repair::UpperCase
                | Repair::Backtick
                | Repair::IsaPadding
                | Repair::Version
                | Repair::HlNumbering
        );
        if aggregated {
            if let Some(first) = firsts
                .iter()
                .find(|(r, _)| *r == n.repair)
                .and_then(|&(_, i)| out.get_mut(i))
            {
                first.count += n.count;
                continue;
            }
            firsts.push((n.repair, out.len()));
        }
        out.push(n);
    }
    out
}

impl<'a> Pass<'a, '_> {
    fn note(&mut self, repair: Repair, segment: u32, element: usize) {
        self.notes.push(Note {
            repair,
            segment,
            element: u8::try_from(element).unwrap_or(u8::MAX),
            count: 1,
        });
    }

    /// From now on the output differs from the input: copy the canonical prefix `start..upto`.
    fn dirty(&mut self, upto: usize) {
        if self.out.is_none() {
            let mut s = String::with_capacity(self.input.len() + 16);
            s.push_str(
                self.input
                    .get(self.start..upto.max(self.start))
                    .unwrap_or(""),
            );
            self.out = Some(s);
        }
    }

    fn segment(&mut self, seg: &Segment<'a>, at: usize) {
        let canonical = self.canonical(seg);
        if matches!(canonical, Cow::Owned(_)) || !seg.terminated {
            self.dirty(at);
        }
        if !seg.terminated {
            self.note(Repair::FinalTerminator, seg.index, 0);
        }
        if let Some(out) = self.out.as_mut() {
            out.push_str(&canonical);
            out.push(char::from(self.delims.segment));
        }
    }

    /// The canonical text of one segment (without terminator), borrowed when unchanged.
    fn canonical(&mut self, seg: &Segment<'a>) -> Cow<'a, str> {
        if self.untouched(seg) {
            return Cow::Borrowed(seg.text());
        }
        let mut elements = std::mem::take(&mut self.scratch);
        elements.clear();
        let mut changed = false;
        if seg.tag == "ISA" {
            changed |= self.isa(seg, &mut elements);
        } else {
            let defs = schema::elements(seg.tag);
            let names = seg.tag == "NM1"
                && seg.element(1).is_some_and(|e| {
                    self.target
                        .person_codes
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(e))
                });
            for (i, raw) in seg.elements().enumerate() {
                let n = i + 1;
                let ty = defs.and_then(|d| d.get(i)).map(|e| e.ty);
                let repeatable = self
                    .target
                    .repeated
                    .iter()
                    .any(|&(tag, e)| tag == seg.tag && usize::from(e) == n);
                let mut value = self.value(raw, ty, repeatable, seg.index, n);
                if names && matches!(n, 3 | 4 | 5 | 7) && value.contains('`') {
                    self.note(Repair::Backtick, seg.index, n);
                    value = Cow::Owned(value.replace('`', "'"));
                }
                changed |= matches!(value, Cow::Owned(_));
                elements.push(value);
            }
            changed |= self.identifiers(seg, &mut elements);
            changed |= self.trailers(seg, &mut elements);
            let used = elements
                .iter()
                .rposition(|e| !e.is_empty())
                .map_or(0, |i| i + 1);
            if used < elements.len() {
                self.note(Repair::TrailingSeparators, seg.index, used + 1);
                elements.truncate(used);
                changed = true;
            }
        }
        let result = if changed {
            let mut s = String::with_capacity(seg.text().len() + 8);
            s.push_str(seg.tag);
            for e in &elements {
                s.push(char::from(self.delims.element));
                s.push_str(e);
            }
            Cow::Owned(s)
        } else {
            Cow::Borrowed(seg.text())
        };
        elements.clear();
        self.scratch = elements;
        result
    }

    /// One element: lower-case codes upper-cased, empty trailing components and repetitions
    /// dropped, delimiters rewritten. Borrowed (no allocation) when nothing changes.
    fn value(
        &mut self,
        raw: &'a str,
        ty: Option<Ty>,
        repeatable: bool,
        segment: u32,
        n: usize,
    ) -> Cow<'a, str> {
        let rep = self.delims.repetition;
        let comp = self.delims.component;
        let composite = matches!(ty, Some(Ty::Composite(_)));
        let has_id = match ty {
            Some(Ty::Id) => true,
            Some(Ty::Composite(parts)) => parts.iter().any(|p| p.ty == Ty::Id),
            _ => false,
        };
        // Only composites have components and only repeatable elements have repetitions: anywhere
        // else those characters are delimiters inside data, an error the validator reports.
        let last = raw.as_bytes().last().copied();
        let trailing =
            last.is_some_and(|b| (composite && b == comp) || (repeatable && Some(b) == rep));
        let lower = has_id && raw.bytes().any(|b| b.is_ascii_lowercase());
        if !trailing && !lower {
            return Cow::Borrowed(raw);
        }
        let mut out = String::with_capacity(raw.len());
        let mut upper = false;
        let reps: Vec<&str> =
            rep.map_or_else(|| vec![raw], |r| crate::x12::split_byte(raw, r).collect());
        let keep_reps = if repeatable {
            reps.iter()
                .rposition(|r| !r.is_empty())
                .map_or(0, |i| i + 1)
        } else {
            reps.len()
        };
        for (ri, one) in reps.iter().take(keep_reps).enumerate() {
            if ri > 0 {
                out.push(char::from(self.delims.repetition.unwrap_or(b'^')));
            }
            let comps: Vec<&str> = crate::x12::split_byte(one, comp).collect();
            let keep = if composite {
                comps
                    .iter()
                    .rposition(|c| !c.is_empty())
                    .map_or(0, |i| i + 1)
            } else {
                comps.len()
            };
            for (ci, c) in comps.iter().take(keep).enumerate() {
                if ci > 0 {
                    out.push(char::from(self.delims.component));
                }
                let cty = match ty {
                    Some(Ty::Composite(parts)) => parts.get(ci).map(|p| p.ty),
                    other if ci == 0 => other,
                    _ => None,
                };
                if cty == Some(Ty::Id) && c.bytes().any(|b| b.is_ascii_lowercase()) {
                    upper = true;
                    out.push_str(&c.to_ascii_uppercase());
                } else {
                    out.push_str(c);
                }
            }
        }
        if trailing {
            self.note(Repair::TrailingSeparators, segment, n);
        }
        if upper {
            self.note(Repair::UpperCase, segment, n);
        }
        if out == raw {
            Cow::Borrowed(raw)
        } else {
            Cow::Owned(out)
        }
    }

    /// ISA: fixed widths, codes upper-cased, ISA11/ISA16 set to the output delimiters.
    fn isa(&mut self, seg: &Segment<'a>, out: &mut Vec<Cow<'a, str>>) -> bool {
        let values: Vec<&'a str> = seg.elements().collect();
        if values.len() != 16 {
            out.extend(values.into_iter().map(Cow::Borrowed));
            return false;
        }
        let mut changed = false;
        for (i, (raw, (width, code))) in values.into_iter().zip(ISA_WIDTHS).enumerate() {
            let n = i + 1;
            let mut v: Cow<'a, str> = Cow::Borrowed(raw);
            match n {
                13 if raw.len() < width
                    && !raw.is_empty()
                    && raw.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    self.note(Repair::IsaPadding, seg.index, n);
                    v = Cow::Owned(format!("{raw:0>width$}"));
                }
                2 | 4 | 6 | 8 => {
                    let trimmed = raw.trim_end_matches(' ');
                    if raw.chars().count() != width && trimmed.chars().count() <= width {
                        self.note(Repair::IsaPadding, seg.index, n);
                        v = Cow::Owned(format!("{trimmed:<width$}"));
                    }
                }
                11 if self.version && isa_is_4010(seg) && raw != "^" => v = Cow::Borrowed("^"),
                12 if self.version && raw == "00401" => {
                    self.note(Repair::Version, seg.index, n);
                    v = Cow::Borrowed("00501");
                }
                _ => {}
            }
            if code && v.bytes().any(|b| b.is_ascii_lowercase()) {
                self.note(Repair::UpperCase, seg.index, n);
                v = Cow::Owned(v.to_ascii_uppercase());
            }
            changed |= v.as_ref() != raw;
            out.push(v);
        }
        self.isa13 = out.get(12).cloned();
        changed
    }

    /// True for a segment that certainly needs no repair, recognised without cutting it into a
    /// buffer (most segments). Envelope segments recognised here update the trailer bookkeeping;
    /// the others leave it to [`Pass::trailers`] on the full path.
    fn untouched(&mut self, seg: &Segment<'a>) -> bool {
        let raw = |n: usize| seg.raw_element(n).map(Cow::Borrowed);
        match seg.tag {
            "ISA" => {
                let canonical = !self.version
                    && seg.element_count() == 16
                    && seg.elements().zip(ISA_WIDTHS).all(|(v, (width, code))| {
                        v.len() == width && !(code && v.bytes().any(|b| b.is_ascii_lowercase()))
                    });
                if canonical {
                    self.isa13 = raw(13);
                }
                canonical
            }
            _ if needs_look(seg, &self.classes) => false,
            "GS" | "ST" if self.version => false,
            "HL" => self.renumbered(seg.index).is_none(),
            "GS" => {
                self.gs06 = raw(6);
                self.sets_in_group = 0;
                self.groups += 1;
                true
            }
            "ST" => {
                self.st_index = seg.index;
                self.st02 = raw(2);
                self.sets_in_group += 1;
                true
            }
            "SE" => {
                let right = self.st_index > 0
                    && seg.element_count() == 2
                    && number_is(seg.raw_element(1), seg.index - self.st_index + 1)
                    && seg.raw_element(2) == self.st02.as_deref();
                if right {
                    self.st_index = 0;
                }
                right
            }
            "GE" => {
                seg.element_count() == 2
                    && number_is(seg.raw_element(1), self.sets_in_group)
                    && seg.raw_element(2) == self.gs06.as_deref()
            }
            "IEA" => {
                seg.element_count() == 2
                    && number_is(seg.raw_element(1), self.groups)
                    && seg.raw_element(2) == self.isa13.as_deref()
            }
            _ => true,
        }
    }

    /// The new numbers of the HL at `segment`, when it is renumbered.
    fn renumbered(&self, segment: u32) -> Option<&Renumbered> {
        self.renumber
            .binary_search_by_key(&segment, |r| r.segment)
            .ok()
            .and_then(|i| self.renumber.get(i))
    }

    /// GS08 and ST03 set to the transaction's version, HL01 and HL02 renumbered; returns whether
    /// an element changed.
    fn identifiers(&mut self, seg: &Segment<'a>, elements: &mut [Cow<'a, str>]) -> bool {
        match seg.tag {
            "GS" | "ST" if self.version => {
                let i = if seg.tag == "GS" { 7 } else { 2 };
                let changed = set(elements, i, Cow::Borrowed(self.target.version));
                if changed {
                    self.note(Repair::Version, seg.index, i + 1);
                }
                changed
            }
            "HL" => {
                let Some(r) = self.renumbered(seg.index).cloned() else {
                    return false;
                };
                let mut changed = set(elements, 0, Cow::Owned(r.id));
                if let Some(parent) = r.parent {
                    changed |= set(elements, 1, Cow::Owned(parent));
                }
                if changed {
                    self.note(Repair::HlNumbering, seg.index, 1);
                }
                changed
            }
            _ => false,
        }
    }

    /// Envelope bookkeeping and trailer repairs; returns whether a trailer element changed.
    fn trailers(&mut self, seg: &Segment<'a>, elements: &mut Vec<Cow<'a, str>>) -> bool {
        let text = |elements: &[Cow<'a, str>], i: usize| elements.get(i).cloned();
        let (count, control, count_repair, control_repair) = match seg.tag {
            "GS" => {
                self.gs06 = text(elements, 5);
                self.sets_in_group = 0;
                self.groups += 1;
                return false;
            }
            "ST" => {
                self.st_index = seg.index;
                self.st02 = text(elements, 1);
                self.sets_in_group += 1;
                return false;
            }
            "SE" if self.st_index > 0 => {
                let count = seg.index - self.st_index + 1;
                self.st_index = 0;
                (count, self.st02.clone(), Repair::SeCount, Repair::SeControl)
            }
            "GE" => (
                self.sets_in_group,
                self.gs06.clone(),
                Repair::GeCount,
                Repair::GeControl,
            ),
            "IEA" => (
                self.groups,
                self.isa13.clone(),
                Repair::IeaCount,
                Repair::IeaControl,
            ),
            _ => return false,
        };
        let mut changed = false;
        while elements.len() < 2 {
            elements.push(Cow::Borrowed(""));
        }
        // Counts are compared as numbers' text without allocating when they already match.
        let mut digits = [0u8; 10];
        let count_text = small_number(count, &mut digits);
        for (i, want, repair) in [
            (0, Some(Cow::Borrowed(count_text)), count_repair),
            (1, control, control_repair),
        ] {
            if let (Some(slot), Some(want)) = (elements.get_mut(i), want)
                && slot.as_ref() != want.as_ref()
            {
                *slot = Cow::Owned(want.into_owned());
                self.notes.push(Note {
                    repair,
                    segment: seg.index,
                    element: u8::try_from(i + 1).unwrap_or(0),
                    count: 1,
                });
                changed = true;
            }
        }
        changed
    }
}

/// A quick scan of a segment (envelope ones also need their counts checked): only lower-case letters (a code to upper-case, or a
/// name), a backtick, or a separator ending the segment or an element can need a repair; most
/// segments have none.
fn needs_look(seg: &Segment<'_>, classes: &Classes) -> bool {
    let d = seg.delimiters();
    let inner = |b: u8| b == d.component || Some(b) == d.repetition;
    let text = seg.text().as_bytes();
    if text.last().is_some_and(|&b| b == d.element || inner(b)) {
        return true;
    }
    // One table lookup per byte; the precise look below only when a candidate byte is there.
    let (any, _) = classes.scan(seg.text());
    if any & (class::LOWER | class::BACKTICK) != 0 {
        return true;
    }
    if any & (class::COMPONENT | class::REPETITION) == 0 {
        return false;
    }
    // An empty component or repetition at the end of an element.
    let mut prev = 0u8;
    text.iter().any(|&b| {
        let hit = b == d.element && inner(prev);
        prev = b;
        hit
    })
}

/// Puts `to` in `elements[i]` when that exists and differs; returns whether it changed.
fn set<'a>(elements: &mut [Cow<'a, str>], i: usize, to: Cow<'a, str>) -> bool {
    match elements.get_mut(i) {
        Some(slot) if *slot != to => {
            *slot = to;
            true
        }
        _ => false,
    }
}

/// ISA12 is `00401`: ISA11 is a standards identifier there, not a repetition separator.
fn isa_is_4010(isa: &Segment<'_>) -> bool {
    isa.element(12) == Some("00401")
}

/// `n` in decimal, written into `buf`.
fn small_number(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(slot) = buf.get_mut(i) {
            // `n % 10` is below 10, so the cast cannot truncate.
            *slot = b'0' + u8::try_from(n % 10).unwrap_or(0);
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    std::str::from_utf8(buf.get(i..).unwrap_or(&[])).unwrap_or("0")
}

/// True when `text` is `n` in decimal as we would write it (no leading zeros, no sign).
pub(super) fn number_is(text: Option<&str>, n: u32) -> bool {
    let mut digits = [0u8; 10];
    text == Some(small_number(n, &mut digits))
}
