//! What every transaction shares: strict validation of a request's interchange against a
//! transaction described as data (`Spec`), with safe automatic repairs. Every problem is reported
//! at once, each with its loop, segment, position, element and component; every repair is
//! reported as a warning. What goes to the payer is the repaired text. The envelope checks,
//! delimiter and count repairs, the schema engine and the error model live here, once.

pub mod common;
mod element;
mod envelope;
pub mod found;
pub mod issue;
#[cfg(test)]
pub mod mutate;
pub mod repair;
pub mod schema;
pub mod spec;
#[cfg(test)]
pub mod table;
pub mod walk;

use std::borrow::Cow;
use std::time::Instant;

use self::found::{Found, Problems};
pub use self::issue::{Issue, Warning};
pub use self::repair::Repair;
use self::repair::Target;
use self::spec::Rules;
pub use self::spec::{Identity, Spec};
pub use self::walk::is_patient;
use crate::x12::{Reader, Segment, date::Stamp};

/// The largest request accepted (the HTTP body limit is the same by default).
pub const MAX_BYTES: usize = 1024 * 1024;
/// The most segments one request may contain.
pub const MAX_SEGMENTS: usize = 20_000;
/// The most problems listed; the last entry says how many more were found.
pub const MAX_ISSUES: usize = 200;

/// How to check.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Apply automatic repairs; off, each needed repair is an error.
    pub repairs: bool,
    /// Real-time rules: one transaction set per request, and one patient where the transaction
    /// says so (`Spec::one_patient`).
    pub real_time: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            repairs: true,
            real_time: true,
        }
    }
}

/// The result of checking a request.
#[derive(Debug)]
pub struct Outcome<'a> {
    /// The text to send: repaired when repairs applied, else the input.
    pub text: Cow<'a, str>,
    /// Repairs applied.
    pub warnings: Vec<Warning>,
    /// Problems that stop the request; empty when valid.
    pub errors: Vec<Issue>,
}

impl Outcome<'_> {
    /// No errors.
    pub fn is_valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// The text differs from the input.
    pub fn repaired(&self) -> bool {
        matches!(self.text, Cow::Owned(_))
    }
}

/// Checks (and repairs) `input` as `spec`'s transaction, judging dates against today.
pub fn check<'a, R: Rules>(spec: &'static Spec<R>, input: &'a str, opts: &Options) -> Outcome<'a> {
    check_on(spec, input, opts, &Stamp::now().ccyymmdd())
}

/// Checks (and repairs) `input`, judging dates against today, and gives up once `deadline` has
/// passed: the request's CPU budget.
pub fn check_within<'a, R: Rules>(
    spec: &'static Spec<R>,
    input: &'a str,
    opts: &Options,
    deadline: Instant,
) -> Result<Outcome<'a>, OverBudget> {
    check_until(spec, input, opts, &Stamp::now().ccyymmdd(), Some(deadline))
}

/// Checks `input` with `today` as `CCYYMMDD` and no deadline (tests pin the date).
pub fn check_on<'a, R: Rules>(
    spec: &'static Spec<R>,
    input: &'a str,
    opts: &Options,
    today: &str,
) -> Outcome<'a> {
    // Without a deadline the budget cannot run out; were it to, the outcome is still an error.
    check_until(spec, input, opts, today, None).unwrap_or_else(|OverBudget| Outcome {
        text: Cow::Borrowed(input),
        warnings: Vec::new(),
        errors: vec![Issue::new(
            "over_budget",
            "Interchange envelope",
            format!(
                "The {} could not be checked within the time budget.",
                spec.id.st01
            ),
        )],
    })
}

/// The check ran out of its CPU budget before it was done (the clock is read inside the loops
/// over segments, so a check stops soon after its deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the X12 could not be checked within the request's time budget")]
pub struct OverBudget;

/// Checks (and repairs) `input` as `spec`'s transaction with `today` as `CCYYMMDD`, giving up once
/// `deadline` (if any) has passed.
pub fn check_until<'a, R: Rules>(
    spec: &'static Spec<R>,
    input: &'a str,
    opts: &Options,
    today: &str,
    deadline: Option<Instant>,
) -> Result<Outcome<'a>, OverBudget> {
    let st = spec.id.st01;
    let fail = |issue: Issue| {
        Ok(Outcome {
            text: Cow::Borrowed(input),
            warnings: Vec::new(),
            errors: vec![issue],
        })
    };
    if input.len() > MAX_BYTES {
        return fail(
            Issue::new(
                "too_large",
                "Interchange envelope",
                format!(
                    "The {st} has {} bytes; a request may hold at most {MAX_BYTES}.",
                    input.len()
                ),
            )
            .resolution(format!("Send one real-time {st} per request."))
            .x12_code("022"),
        );
    }
    let reader = match Reader::new(input) {
        Ok(r) => r,
        Err(e) => return fail(Issue::from_parse(&e, spec.id.name)),
    };
    if opts.repairs
        && let Some(standard) = repair::standardised(input, reader.delimiters())
    {
        return on_standardised(spec, standard, *opts, today, deadline);
    }
    check_read(spec, input, reader, *opts, today, false, deadline)
}

/// Checks an interchange whose delimiters were standardised by a byte-for-byte translation: the
/// same segments at the same offsets, plus the delimiter repair.
fn on_standardised<R: Rules>(
    spec: &'static Spec<R>,
    standard: String,
    opts: Options,
    today: &str,
    deadline: Option<Instant>,
) -> Result<Outcome<'static>, OverBudget> {
    let Outcome {
        text,
        warnings,
        errors,
    } = match Reader::new(&standard) {
        Ok(reader) => check_read(spec, &standard, reader, opts, today, true, deadline)?,
        Err(e) => Outcome {
            text: Cow::Borrowed(""),
            warnings: Vec::new(),
            errors: vec![Issue::from_parse(&e, spec.id.name)],
        },
    };
    let text = match text {
        Cow::Owned(repaired) => repaired,
        Cow::Borrowed(_) => standard,
    };
    Ok(Outcome {
        text: Cow::Owned(text),
        warnings,
        errors,
    })
}

/// Checks `input` read by `reader`; `standardised`: its delimiters were already standardised.
fn check_read<'a, R: Rules>(
    spec: &'static Spec<R>,
    input: &'a str,
    reader: Reader<'a>,
    opts: Options,
    today: &str,
    standardised: bool,
    deadline: Option<Instant>,
) -> Result<Outcome<'a>, OverBudget> {
    let st = spec.id.st01;
    let target = Target::of(spec);
    let delims = reader.delimiters();
    let start = reader.offset();
    let mut segs = Vec::with_capacity((input.len() / 24 + 4).min(MAX_SEGMENTS));
    let mut errors = Vec::new();
    // Unreadable segments: only the first `MAX_ISSUES` are kept (all later ones sort after
    // them, so the listed problems stay the same); the rest are counted for the last entry.
    let mut bad = Vec::new();
    let mut bad_unlisted = 0usize;
    let mut found = Problems::new(MAX_ISSUES, deadline);
    for (read, item) in reader.enumerate() {
        if !found.tick() {
            return Err(OverBudget);
        }
        if read >= MAX_SEGMENTS {
            // Stop reading: the segment past the limit is where the request went wrong.
            let (segment, offset) = match &item {
                Ok(s) => (s.index, s.offset),
                Err(e) => e.position().map_or((0, 0), |p| (p.segment, p.offset)),
            };
            let mut issue = Issue::new("too_many_segments", "Interchange envelope", format!("The {st} has more than {MAX_SEGMENTS} segments (empty and unreadable ones count); a request may hold at most {MAX_SEGMENTS}. Reading stopped at segment {segment}, byte {offset}."))
                .resolution(format!("Send one real-time {st} per request."))
                .x12_code("022");
            issue.segment_position = Some(segment);
            issue.byte_offset = Some(offset);
            errors.push(issue);
            return Ok(Outcome {
                text: Cow::Borrowed(input),
                warnings: Vec::new(),
                errors,
            });
        }
        match item {
            Ok(s) => segs.push(s),
            Err(_) if bad.len() >= MAX_ISSUES => bad_unlisted += 1,
            Err(e) => bad.push(e),
        }
    }
    let mut repaired = repair::repair(&target, input, &segs, delims, start);
    if standardised {
        repaired.notes.insert(0, repair::Note::standardised());
    }
    let mut warnings = Vec::new();
    let places = Places::new(&segs, &bad);
    for note in &repaired.notes {
        if opts.repairs {
            warnings.push(places.warning(note, &target));
        } else {
            found.push(places.note_error(note, &target));
        }
    }
    if let Some((segment, _)) = repaired.delimiter_conflict {
        found.push(Found::segment("delimiter_in_data", "6", "Interchange envelope", segment, places.tag(segment)).say(
            "The interchange uses delimiters other than `* ^ : ~`, and a value contains one of `* ^ : ~`, so the delimiters cannot be standardised without changing data.",
            "Use `*`, `^`, `:` and `~` as delimiters and keep those characters out of values.",
        ));
    }
    let text = if opts.repairs {
        repaired.text
    } else {
        Cow::Borrowed(input)
    };
    match &text {
        Cow::Borrowed(_) => envelope::check(spec, &segs, opts, today, &mut found),
        Cow::Owned(t) => {
            let again: Vec<Segment<'_>> = Reader::new(t)
                .map(|r| r.flatten().collect())
                .unwrap_or_default();
            envelope::check(spec, &again, opts, today, &mut found);
        }
    }
    for e in &bad {
        let index = e.position().map_or(0, |p| p.segment);
        found.push(Found::segment("bad_segment_id", "1", "Transaction set", index, "").say(
            format!("The segment does not start with a 2- or 3-character upper-case segment ID ({}).", e.to_string().split(": ").last().unwrap_or("")),
            "Start each segment with its ID; remove empty or stray segments.",
        ));
    }
    if found.expired() {
        return Err(OverBudget);
    }
    let (found, unlisted) = found.finish();
    // Only the listed problems are placed (transaction position, byte offset, field name).
    errors.extend(found.iter().map(|f| places.issue(f)));
    let total = found.len() + unlisted + bad_unlisted;
    if total > MAX_ISSUES {
        let more = total - MAX_ISSUES;
        errors.truncate(MAX_ISSUES);
        errors.push(
            Issue::new(
                "too_many_problems",
                "Interchange envelope",
                format!("{more} more problem(s) were found and are not listed."),
            )
            .resolution("Correct the problems listed and resubmit."),
        );
    }
    Ok(Outcome {
        text,
        warnings,
        errors,
    })
}

/// Where segments of the caller's text are: transaction-relative positions and byte offsets.
struct Places<'s, 'a> {
    segs: &'s [Segment<'a>],
    /// Where unreadable segments start, in segment order.
    bad: Vec<crate::x12::Position>,
    /// (ST index, SE index or last index) of each transaction set.
    sets: Vec<(u32, u32)>,
}

impl<'s, 'a> Places<'s, 'a> {
    fn new(segs: &'s [Segment<'a>], bad: &[crate::x12::ParseError]) -> Self {
        let mut ranges = Vec::new();
        let mut open: Option<u32> = None;
        for s in segs {
            match s.tag {
                "ST" => {
                    if let Some(st) = open.take() {
                        ranges.push((st, s.index - 1));
                    }
                    open = Some(s.index);
                }
                "SE" | "GE" | "IEA" => {
                    if let Some(st) = open.take() {
                        ranges.push((st, if s.tag == "SE" { s.index } else { s.index - 1 }));
                    }
                }
                _ => {}
            }
        }
        if let (Some(st), Some(last)) = (open, segs.last()) {
            ranges.push((st, last.index));
        }
        Self {
            segs,
            bad: bad
                .iter()
                .filter_map(crate::x12::ParseError::position)
                .collect(),
            sets: ranges,
        }
    }

    fn get(&self, index: u32) -> Option<&Segment<'a>> {
        self.segs
            .binary_search_by_key(&index, |s| s.index)
            .ok()
            .and_then(|i| self.segs.get(i))
    }

    fn tag(&self, index: u32) -> &'a str {
        self.get(index).map_or("", |s| s.tag)
    }

    /// (position in its transaction set or in the interchange, transaction ordinal when several).
    fn position(&self, index: u32) -> (u32, Option<u32>) {
        let several = self.sets.len() > 1;
        // The sets are in order and do not overlap: the last one starting at or before `index`.
        let candidate = self
            .sets
            .partition_point(|(st, _)| *st <= index)
            .checked_sub(1);
        match candidate.filter(|t| self.sets.get(*t).is_some_and(|(_, se)| index <= *se)) {
            Some(t) => {
                let st = self.sets.get(t).map_or(index, |s| s.0);
                (
                    index - st + 1,
                    several.then(|| u32::try_from(t + 1).unwrap_or(u32::MAX)),
                )
            }
            None => (index, None),
        }
    }

    fn offset(&self, index: u32, element: u8, component: u8) -> Option<usize> {
        let Some(seg) = self.get(index) else {
            return self
                .bad
                .binary_search_by_key(&index, |p| p.segment)
                .ok()
                .and_then(|i| self.bad.get(i))
                .map(|p| p.offset);
        };
        if element == 0 {
            return Some(seg.offset);
        }
        let at = seg.element_offset(usize::from(element));
        if component <= 1 {
            return Some(at);
        }
        let value = seg.raw_element(usize::from(element)).unwrap_or("");
        let skip: usize = value
            .split(char::from(seg.delimiters().component))
            .take(usize::from(component) - 1)
            .map(|c| c.len() + 1)
            .sum();
        Some(at + skip.min(value.len()))
    }

    fn issue(&self, f: &Found) -> Issue {
        let mut issue = Issue::new(f.rule, f.location, f.description.clone())
            .resolution(f.resolution.clone())
            .x12_code(f.x12);
        if f.segment > 0 {
            let (position, transaction) = self.position(f.segment);
            let tag = if f.tag.is_empty() {
                self.tag(f.segment)
            } else {
                f.tag.as_str()
            };
            issue.segment = (!tag.is_empty()).then(|| tag.to_owned());
            issue.segment_position = Some(position);
            issue.transaction = transaction;
            issue.byte_offset = self.offset(f.segment, f.element, f.component);
        }
        issue.field = (!f.tag.is_empty()).then(|| f.field());
        issue.element = (f.element > 0).then_some(f.element);
        issue.component = (f.component > 0).then_some(f.component);
        issue.repetition = (f.repetition > 0).then_some(f.repetition);
        issue
    }

    fn location(&self, index: u32) -> &'static str {
        match self.tag(index) {
            "ISA" | "IEA" => "Interchange envelope",
            "GS" | "GE" => "Functional group",
            "ST" | "BHT" => "Transaction set header",
            "SE" => "Transaction set trailer",
            _ => "Transaction set",
        }
    }

    fn note_error(&self, n: &repair::Note, t: &Target) -> Found {
        let tag = if n.segment == 0 {
            String::new()
        } else {
            self.tag(n.segment).to_owned()
        };
        let mut f = Found::segment(
            n.repair.rule(),
            "I12",
            self.location(n.segment),
            n.segment,
            &tag,
        )
        .element(usize::from(n.element));
        f.tag = tag;
        f.say(
            format!("{} Automatic repairs are off.", n.repair.problem(t)),
            n.repair.resolution(t),
        )
    }

    fn warning(&self, n: &repair::Note, t: &Target) -> Warning {
        let places = if n.count > 1 {
            format!(" ({} places; the first is shown)", n.count)
        } else {
            String::new()
        };
        let (position, _) = self.position(n.segment);
        Warning {
            code: n.repair.code(t),
            description: format!("{}{places} {}", n.repair.problem(t), n.repair.action(t)),
            location: Some(self.location(n.segment).to_owned()),
            segment: (n.segment > 0).then(|| self.tag(n.segment).to_owned()),
            segment_position: (n.segment > 0).then_some(position),
            element: (n.element > 0).then_some(n.element),
        }
    }
}
