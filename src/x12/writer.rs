//! Writes segments with a given set of delimiters, counting them for SE01.

use super::Delimiters;

/// Builds an X12 document segment by segment.
#[derive(Debug)]
pub struct Writer {
    out: String,
    delims: Delimiters,
    /// Segments written since the last `reset_count` (for SE01).
    count: u32,
}

impl Writer {
    /// A writer with room for `capacity` bytes.
    pub fn with_capacity(delims: Delimiters, capacity: usize) -> Self {
        Self {
            out: String::with_capacity(capacity),
            delims,
            count: 0,
        }
    }

    /// The delimiters in use.
    pub fn delimiters(&self) -> Delimiters {
        self.delims
    }

    /// Writes `tag` and its elements; trailing empty elements are dropped, as the standard wants.
    pub fn segment<S: AsRef<str>>(&mut self, tag: &str, elements: &[S]) {
        let used = elements
            .iter()
            .rposition(|e| !e.as_ref().is_empty())
            .map_or(0, |i| i + 1);
        self.out.push_str(tag);
        for e in elements.iter().take(used) {
            self.out.push(self.delims.element as char);
            self.out.push_str(e.as_ref());
        }
        self.out.push(self.delims.segment as char);
        self.count += 1;
    }

    /// Writes an already-joined segment text (tag and elements) and its terminator.
    pub fn raw(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push(self.delims.segment as char);
        self.count += 1;
    }

    /// Joins values with the repetition separator (`^` by default).
    pub fn repeated(&self, values: &[&str]) -> String {
        let sep = self.delims.repetition.unwrap_or(b'^') as char;
        values.join(sep.encode_utf8(&mut [0; 4]))
    }

    /// Segments written since the last reset.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Starts counting again (call right before writing `ST`).
    pub fn reset_count(&mut self) {
        self.count = 0;
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Pads `value` with spaces on the right, or cuts it, to exactly `width` characters (ISA AN fields).
pub fn pad_right(value: &str, width: usize) -> String {
    let mut s: String = value.chars().take(width).collect();
    while s.chars().count() < width {
        s.push(' ');
    }
    s
}
