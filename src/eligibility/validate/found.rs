//! A problem found by a rule, before it is placed (transaction-relative position, byte offset in
//! the caller's text) and turned into an `Issue`.

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
