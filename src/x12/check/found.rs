//! A problem found by a rule, before it is placed (transaction-relative position, byte offset in
//! the caller's text) and turned into an `Issue`; and the bounded list they are collected in.

use std::time::Instant;

/// One problem, at a segment index of the text that was validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Rule identifier.
    pub rule: &'static str,
    /// 999/TA1 code.
    pub x12: &'static str,
    /// Loop or envelope part.
    pub location: &'static str,
    /// 1-based segment index in the interchange; 0 when the problem is not at a segment.
    pub segment: u32,
    /// Segment ID as found (empty when not at a segment).
    pub tag: String,
    /// Element, 0 for the whole segment.
    pub element: u8,
    /// Component, 0 when not in a composite.
    pub component: u8,
    /// Repetition, 0 when not repeated.
    pub repetition: u16,
    /// What is wrong; names elements, never values.
    pub description: String,
    /// What to do.
    pub resolution: String,
}

impl Found {
    /// A problem with a whole segment.
    pub fn segment(
        rule: &'static str,
        x12: &'static str,
        location: &'static str,
        segment: u32,
        tag: &str,
    ) -> Self {
        Self {
            rule,
            x12,
            location,
            segment,
            tag: tag.to_owned(),
            element: 0,
            component: 0,
            repetition: 0,
            description: String::new(),
            resolution: String::new(),
        }
    }

    /// Narrows to an element.
    #[must_use]
    pub fn element(mut self, n: usize) -> Self {
        self.element = u8::try_from(n).unwrap_or(u8::MAX);
        self
    }

    /// Narrows to a component and repetition (0 = none).
    #[must_use]
    pub fn within(mut self, component: usize, repetition: usize) -> Self {
        self.component = u8::try_from(component).unwrap_or(u8::MAX);
        self.repetition = u16::try_from(repetition).unwrap_or(u16::MAX);
        self
    }

    /// Sets the texts.
    #[must_use]
    pub fn say(mut self, description: impl Into<String>, resolution: impl Into<String>) -> Self {
        self.description = description.into();
        self.resolution = resolution.into();
        self
    }

    /// `NM109`, `EQ02-1`, or the segment ID.
    pub fn field(&self) -> String {
        match (self.element, self.component) {
            (0, _) => self.tag.clone(),
            (e, 0) => format!("{}{e:02}", self.tag),
            (e, c) => format!("{}{e:02}-{c}", self.tag),
        }
    }
}

/// Units of work between two looks at the clock (a look costs tens of nanoseconds).
const TICKS_PER_LOOK: u32 = 256;

/// The problems of one interchange as rules find them, and the CPU budget of the check. Every
/// problem is counted; only the first `keep` in segment order are held: the buffer is sorted and
/// cut whenever it reaches four times that, so time stays linear and memory bounded however many
/// problems a hostile input holds. A problem dropped had `keep` others before it, so the problems
/// held at the end are exactly the first `keep` of all of them.
#[derive(Debug)]
pub struct Problems {
    held: Vec<Found>,
    keep: usize,
    dropped: usize,
    deadline: Option<Instant>,
    ticks: u32,
    expired: bool,
}

impl Problems {
    /// Holds the first `keep` problems; the check stops once `deadline` has passed.
    pub fn new(keep: usize, deadline: Option<Instant>) -> Self {
        Self {
            held: Vec::new(),
            keep: keep.max(1),
            dropped: 0,
            deadline,
            ticks: 0,
            expired: false,
        }
    }

    /// Records a problem.
    pub fn push(&mut self, found: Found) {
        self.held.push(found);
        if self.held.len() >= self.keep.saturating_mul(4) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        // Stable: problems at one segment stay in the order the rules found them.
        self.held.sort_by_key(|f| f.segment);
        self.held.dedup();
        if self.held.len() > self.keep {
            self.dropped += self.held.len() - self.keep;
            self.held.truncate(self.keep);
        }
    }

    /// One unit of work (a segment) is done: false once the budget is spent, and from then on.
    pub fn tick(&mut self) -> bool {
        if self.expired {
            return false;
        }
        self.ticks += 1;
        if self.ticks >= TICKS_PER_LOOK {
            self.ticks = 0;
            self.expired = self.deadline.is_some_and(|d| Instant::now() >= d);
        }
        !self.expired
    }

    /// The budget ran out before the check was done.
    pub fn expired(&self) -> bool {
        self.expired
    }

    /// The held problems in segment order, and how many more were found.
    pub fn finish(mut self) -> (Vec<Found>, usize) {
        self.compact();
        (self.held, self.dropped)
    }
}
