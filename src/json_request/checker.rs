//! The field rules every JSON request shares (strings X12 can carry, digits, codes, dates, ranges,
//! objects, arrays), collecting every problem at once with its JSON path. Messages name the rule,
//! never the value (member data stays with the caller).
#![allow(
    clippy::ref_option,
    reason = "helpers take each field as the model holds it, `&Option<Field<T>>`"
)]

use super::{Field, List, Obj, Path, Text};
use crate::x12::charset;
use crate::x12::date;

/// One problem with the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub path: Path,
    /// What is wrong, a sentence without the value.
    pub message: String,
}

impl Problem {
    /// The field and what is wrong with it: `provider.npi is required: …`.
    pub fn description(&self) -> String {
        format!("{} {}", self.path.dotted(), self.message)
            .trim()
            .to_owned()
    }
}

/// Most problems listed; the last entry says how many more were found (a hostile body with
/// thousands of wrong items gets a bounded answer).
pub const MAX_PROBLEMS: usize = 200;

/// Collects problems; each method checks one field and says what is wrong with it.
#[derive(Debug)]
pub struct Checker<'t> {
    out: Vec<Problem>,
    /// Problems past `MAX_PROBLEMS`, counted only.
    unlisted: usize,
    today: &'t str,
}

impl<'t> Checker<'t> {
    /// A checker for a request received on `today` (`CCYYMMDD`, which bounds dates of birth).
    pub fn new(today: &'t str) -> Self {
        Self {
            out: Vec::new(),
            unlisted: 0,
            today,
        }
    }

    /// `CCYYMMDD` of the day the request is checked.
    pub fn today(&self) -> &'t str {
        self.today
    }

    /// The problems found; the last says how many more were not listed.
    pub fn finish(mut self) -> Vec<Problem> {
        if self.unlisted > 0 {
            self.out.push(Problem {
                path: Path::root(),
                message: format!(
                    "and {} more problem(s) were found and are not listed.",
                    self.unlisted
                ),
            });
        }
        self.out
    }

    /// Records a problem at `path`.
    pub fn say(&mut self, path: &Path, message: &str) {
        if self.out.len() >= MAX_PROBLEMS {
            self.unlisted += 1;
            return;
        }
        self.out.push(Problem {
            path: path.clone(),
            message: message.to_owned(),
        });
    }

    /// `tradingPartnerServiceId` (required: it becomes 2100A NM109) and `tradingPartnerName`,
    /// which every request names its payer with.
    pub fn payer(&mut self, id: &Text, name: &Text) {
        let root = Path::root();
        let payer = root.key("tradingPartnerServiceId");
        if self.text(&payer, id, 2, 80).is_none() && id.is_none() {
            self.say(&payer, "is required: it names the payer (2100A NM109).");
        }
        self.text(&root.key("tradingPartnerName"), name, 1, 60);
    }

    /// A string of `min..=max` characters that X12 can carry; `None` when absent or wrong.
    pub fn text<'v>(
        &mut self,
        path: &Path,
        f: &'v Text,
        min: usize,
        max: usize,
    ) -> Option<&'v str> {
        let v = match f.as_ref()? {
            Field::Given(v) => v.as_str(),
            Field::WrongType => {
                self.say(path, "must be a string.");
                return None;
            }
        };
        if v.trim().is_empty() {
            self.say(
                path,
                "must not be blank: omit the field or send null when there is no value.",
            );
            return None;
        }
        let len = v.chars().count();
        if len < min || len > max {
            let m = if min == max {
                format!("must be exactly {min} characters long.")
            } else {
                format!("must be {min} to {max} characters long.")
            };
            self.say(path, &m);
            return None;
        }
        if !v
            .bytes()
            .all(|b| charset::is_allowed(b) && !b"*~:^".contains(&b))
        {
            self.say(
                path,
                "contains a character X12 cannot carry (the delimiters `*`, `~`, `:`, `^`, control characters or non-ASCII).",
            );
            return None;
        }
        if v.trim() != v {
            self.say(path, "must not start or end with spaces.");
            return None;
        }
        Some(v)
    }

    /// A string of exactly `n` digits.
    pub fn digits<'v>(&mut self, path: &Path, f: &'v Text, n: usize) -> Option<&'v str> {
        let v = self.text(path, f, n, n)?;
        if v.bytes().all(|b| b.is_ascii_digit()) {
            Some(v)
        } else {
            self.say(path, &format!("must be exactly {n} digits."));
            None
        }
    }

    /// A string matching `[A-Za-z0-9]` plus `extra`.
    pub fn word<'v>(
        &mut self,
        path: &Path,
        f: &'v Text,
        extra: &[u8],
        min: usize,
        max: usize,
    ) -> Option<&'v str> {
        let v = self.text(path, f, min, max)?;
        if v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
        {
            Some(v)
        } else {
            let also = match extra {
                [] => String::new(),
                _ => format!(
                    " and {}",
                    extra
                        .iter()
                        .map(|b| if *b == b' ' {
                            "spaces".to_owned()
                        } else {
                            format!("`{}`", *b as char)
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            self.say(path, &format!("may hold only letters, digits{also}."));
            None
        }
    }

    /// One of `allowed` (compared without regard to ASCII case).
    pub fn code<'v>(&mut self, path: &Path, f: &'v Text, allowed: &[&str]) -> Option<&'v str> {
        let v = self.text(path, f, 1, 80)?;
        if allowed.iter().any(|a| a.eq_ignore_ascii_case(v)) {
            Some(v)
        } else {
            self.say(
                path,
                &format!(
                    "is not an allowed value. Allowed values are: {}.",
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    /// A `CCYYMMDD` date that exists.
    pub fn date<'v>(&mut self, path: &Path, f: &'v Text) -> Option<&'v str> {
        let v = match f.as_ref()? {
            Field::Given(v) if !v.trim().is_empty() && !date::is_ccyymmdd(v) => {
                self.say(
                    path,
                    "Invalid date format. Please use the following format: yyyyMMdd (a date that exists).",
                );
                return None;
            }
            _ => self.text(path, f, 8, 8)?,
        };
        Some(v)
    }

    /// A begin/end pair: both or neither, in order.
    pub fn range(&mut self, path: &Path, begin: (&'static str, &Text), end: (&'static str, &Text)) {
        let b = self.date(&path.key(begin.0), begin.1);
        let e = self.date(&path.key(end.0), end.1);
        match (begin.1.is_some(), end.1.is_some()) {
            (true, false) => self.say(&path.key(end.0), &format!("is required with {}.", begin.0)),
            (false, true) => self.say(&path.key(begin.0), &format!("is required with {}.", end.0)),
            _ => {}
        }
        if let (Some(b), Some(e)) = (b, e)
            && b > e
        {
            self.say(
                &path.key(end.0),
                &format!("must not be before {}.", begin.0),
            );
        }
    }

    /// A single date or a range, not both.
    pub fn date_or_range(
        &mut self,
        path: &Path,
        single: (&'static str, &Text),
        begin: (&'static str, &Text),
        end: (&'static str, &Text),
    ) {
        self.date(&path.key(single.0), single.1);
        self.range(path, begin, end);
        if single.1.is_some() && (begin.1.is_some() || end.1.is_some()) {
            self.say(
                &path.key(single.0),
                &format!(
                    "cannot be sent together with {} and {}; send one date or the range.",
                    begin.0, end.0
                ),
            );
        }
    }

    /// An object field's value; `None` when absent or not an object (said).
    pub fn object<'v, T>(&mut self, path: &Path, f: &'v Obj<T>) -> Option<&'v T> {
        match f.as_ref()? {
            Field::Given(v) => Some(v),
            Field::WrongType => {
                self.say(path, "must be an object.");
                None
            }
        }
    }

    /// The items of a non-empty array (at most `max`, none of them of another type).
    pub fn list<'v, T>(&mut self, path: &Path, f: &'v List<T>, max: usize) -> Vec<(usize, &'v T)> {
        self.list_min(path, f, 1, max)
    }

    /// The items of an array of `min..=max` items (`min` 0 or 1), none of another type.
    pub fn list_min<'v, T>(
        &mut self,
        path: &Path,
        f: &'v List<T>,
        min: usize,
        max: usize,
    ) -> Vec<(usize, &'v T)> {
        let items = match f.as_ref() {
            None => return Vec::new(),
            Some(Field::WrongType) => {
                self.say(path, "must be an array.");
                return Vec::new();
            }
            Some(Field::Given(items)) => items,
        };
        if items.is_empty() && min > 0 {
            self.say(
                path,
                "must not be empty: omit the field or send null when there is nothing to send.",
            );
        }
        if items.len() > max {
            self.say(
                path,
                &format!(
                    "may hold at most {max} item{}.",
                    if max == 1 { "" } else { "s" }
                ),
            );
        }
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            match item {
                Field::Given(v) => out.push((i, v)),
                Field::WrongType => self.say(&path.index(i), "has the wrong type."),
            }
        }
        out
    }
}

/// `R` data: digits with at most one point and an optional leading minus.
pub fn is_amount(v: &str) -> bool {
    let body = v.strip_prefix('-').unwrap_or(v);
    !body.is_empty()
        && body.bytes().filter(|b| *b == b'.').count() <= 1
        && body.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && body.bytes().any(|b| b.is_ascii_digit())
}

/// The NPI check digit: Luhn over `80840` and the first nine digits.
pub fn npi_check_digit_ok(npi: &str) -> bool {
    let digits: Vec<u32> = "80840"
        .chars()
        .chain(npi.chars())
        .filter_map(|c| c.to_digit(10))
        .collect();
    if digits.len() != 15 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}
