//! The identifier repairs, each decided over the whole interchange before the pass: version
//! strings that disagree but have one reading, and HL numbering that skips with consistent parents.

use std::collections::HashMap;

use super::Target;
use super::pass::number_is;
use crate::x12::Segment;

/// True when the version identifiers disagree in a way that has one reading: ISA12 is `00401` or
/// `00501`, every GS08 and ST03 present is the target's version or a stale form of it
/// (`005010X279` for `005010X279A1`), and something is not the canonical `00501` / version. A real
/// 4010 (GS08 `004010X092…`) is left alone.
pub fn version_mixed(segs: &[Segment<'_>], target: &Target) -> bool {
    let Some(isa12) = segs.first().and_then(|s| s.element(12)) else {
        return false;
    };
    if !matches!(isa12, "00401" | "00501") {
        return false;
    }
    let mut stale = isa12 == "00401";
    let mut groups = 0u32;
    for s in segs {
        let version = match s.tag {
            "GS" => {
                groups += 1;
                s.element(8)
            }
            "ST" => s.element(3),
            _ => continue,
        };
        match version {
            Some(v) if v == target.version => {}
            Some(v) if target.stale.contains(&v) => stale = true,
            // ST03 is missing: the validator reports it; GS08 is required to know the version.
            None if s.tag == "ST" => {}
            _ => return false,
        }
    }
    groups > 0 && stale
}

/// One HL's new numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renumbered {
    /// 1-based segment index of the HL.
    pub segment: u32,
    /// The new HL01.
    pub id: String,
    /// The new HL02, when the HL has one.
    pub parent: Option<String>,
}

/// The HLs to renumber, in segment order. Per transaction set, renumbering is unambiguous when
/// every HL01 is present and distinct and every HL02 names an earlier HL01: the tree stays the same
/// with HL01 = 1, 2, 3, …. Sets that are numbered right already, or ambiguously, are left alone
/// (the validator reports the latter).
pub fn renumbering(segs: &[Segment<'_>]) -> Vec<Renumbered> {
    let mut out = Vec::new();
    let mut set = SetNumbering::default();
    for s in segs {
        match s.tag {
            "ST" | "SE" => set.close(&mut out),
            "HL" => set.hl(s),
            _ => {}
        }
    }
    set.close(&mut out);
    out
}

/// The HLs of one transaction set seen so far.
#[derive(Default)]
struct SetNumbering<'a> {
    /// HL01 values seen, each with its new HL01 (its 1-based order).
    ids: HashMap<&'a str, usize>,
    /// The HLs whose numbers change.
    changes: Vec<Renumbered>,
    /// An HL01 repeated or missing, or an HL02 naming no earlier HL01.
    ambiguous: bool,
}

impl<'a> SetNumbering<'a> {
    fn hl(&mut self, s: &Segment<'a>) {
        if self.ambiguous {
            return;
        }
        let Some(id) = s.element(1).filter(|id| !self.ids.contains_key(id)) else {
            self.ambiguous = true;
            return;
        };
        let parent = match s.element(2) {
            None => None,
            Some(p) => {
                let Some(&k) = self.ids.get(p) else {
                    self.ambiguous = true;
                    return;
                };
                Some((p, k))
            }
        };
        let new_id = self.ids.len() + 1;
        self.ids.insert(id, new_id);
        // Compared without writing the numbers: most 270s are numbered 1, 2, 3 already.
        let moved = |text: &str, n: usize| !number_is(Some(text), u32::try_from(n).unwrap_or(0));
        if moved(id, new_id) || parent.is_some_and(|(old, new)| moved(old, new)) {
            self.changes.push(Renumbered {
                segment: s.index,
                id: new_id.to_string(),
                parent: parent.map(|(_, new)| new.to_string()),
            });
        }
    }

    /// Ends the set: its changes go to `out` when unambiguous.
    fn close(&mut self, out: &mut Vec<Renumbered>) {
        if !self.ambiguous {
            out.append(&mut self.changes);
        }
        *self = Self::default();
    }
}
