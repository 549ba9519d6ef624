//! A JSON location, printed as Change names fields (`dependents[0].firstName`) or as a JSON
//! Pointer for Stedi (`/dependents/0/firstName`).

use std::fmt::Write;

/// One step into the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Key(&'static str),
    Index(usize),
}

/// Where a problem is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Path(Vec<Step>);

impl Path {
    /// The body itself.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path and a property.
    #[must_use]
    pub fn key(&self, k: &'static str) -> Self {
        let mut p = self.clone();
        p.0.push(Step::Key(k));
        p
    }

    /// This path and an array index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Step::Index(i));
        p
    }

    /// `provider.npi`, `dependents[0].firstName` (Change's `field`).
    pub fn dotted(&self) -> String {
        let mut s = String::new();
        for step in &self.0 {
            match step {
                Step::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Step::Index(i) => {
                    let _ = write!(s, "[{i}]");
                }
            }
        }
        s
    }

    /// `/provider/npi`, `/dependents/0/firstName` (RFC 6901, as Stedi's `fieldList[].path`).
    pub fn pointer(&self) -> String {
        let mut s = String::new();
        for step in &self.0 {
            s.push('/');
            match step {
                // Property names are our own camelCase constants: nothing to escape.
                Step::Key(k) => s.push_str(k),
                Step::Index(i) => {
                    let _ = write!(s, "{i}");
                }
            }
        }
        s
    }
}
