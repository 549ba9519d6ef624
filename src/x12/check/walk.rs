//! One ST…SE transaction set walked against its spec: loops, segment order and repeats, the HL
//! tree, element rules; the transaction's business rules run beside the walk (`Spec::rules`).

use std::collections::HashMap;

use super::element;
use super::found::{Found, Problems};
use super::schema::{self, Loop};
use super::spec::{ChildCode, Hl, Patient, Rules, Spec, Txn};
use crate::x12::Segment;
use crate::x12::charset::Classes;

/// What one transaction set holds, for the interchange-level checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Patients: subscribers without dependents, plus dependents.
    pub patients: u32,
}

/// Where in the level the walk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Header, trailer, or a level's HL loop.
    Other,
    /// The level's name loop.
    Name,
    /// Inner loop `k` of the level.
    Inner(usize),
}

struct Walk<'a, 'o, R: Rules + 'static> {
    spec: &'static Spec<R>,
    t: Txn<'o, R::State>,
    /// Index of the slot last used in `current`, and its uses in this loop iteration.
    slot: usize,
    uses: [u16; 24],
    /// Index in `spec.levels` of the current level.
    level: Option<usize>,
    at: At,
    /// Index in `hls` of the first HL with each HL01, so parents are found without a rescan.
    hl_ids: HashMap<&'a str, usize>,
    classes: &'o Classes,
    /// The segment that opened the current loop (findings about the loop point at it).
    anchor: (u32, &'static str),
}

/// Validates the segments of one transaction set (`segs` from ST to SE, or to the end when SE is missing).
pub fn check<R: Rules>(
    spec: &'static Spec<R>,
    segs: &[Segment<'_>],
    out: &mut Problems,
    today: &str,
    classes: &Classes,
) -> Summary {
    let first = segs.first().map_or(0, |s| s.index);
    let mut w = Walk {
        spec,
        t: Txn {
            out,
            current: spec.header,
            hls: Vec::with_capacity(4),
            today,
            state: R::State::default(),
        },
        slot: 0,
        uses: [0; 24],
        level: None,
        at: At::Other,
        hl_ids: HashMap::with_capacity(4),
        classes,
        anchor: (first, "ST"),
    };
    for seg in segs {
        if !w.t.out.tick() {
            break;
        }
        w.segment(seg);
    }
    w.close_loop();
    w.finish(first)
}

impl<'a, R: Rules> Walk<'a, '_, R> {
    fn enter(&mut self, l: &'static Loop, at: At, seg: &Segment<'_>) {
        self.close_loop();
        self.t.current = l;
        self.at = at;
        self.slot = 0;
        self.uses = [0; 24];
        self.anchor = (seg.index, l.slots.first().map_or("", |s| s.tag));
    }

    /// Required segments of the loop being left.
    fn close_loop(&mut self) {
        let current = self.t.current;
        for (i, s) in current.slots.iter().enumerate() {
            if s.required && self.uses.get(i).copied().unwrap_or(0) == 0 && i > 0 {
                let (segment, tag) = self.anchor;
                self.t.out.push(
                    Found::segment("segment_missing", "3", current.name, segment, tag).say(
                        format!(
                            "{} is missing in {}; it is required there.",
                            s.tag, current.name
                        ),
                        format!("Add the {} segment to {}.", s.tag, current.name),
                    ),
                );
            }
        }
    }

    /// The inner loop of the current level that `tag` opens from here, if any: a trigger opens its
    /// loop from the loop it nests in or from anything nested there (a new claim after a line).
    fn opens(&self, tag: &str) -> Option<usize> {
        let level = self.spec.levels.get(self.level?)?;
        if level.inner.is_empty() || self.at == At::Other {
            return None;
        }
        let k = level.inner.iter().position(|i| i.trigger == tag)?;
        let want = level.inner.get(k)?.parent;
        let mut here = match self.at {
            At::Other => return None,
            At::Name => None,
            At::Inner(i) => Some(i),
        };
        // Up the nesting from the current loop (bounded by the number of inner loops).
        for _ in 0..=level.inner.len() {
            if here == want {
                return Some(k);
            }
            let i = here?;
            here = level.inner.get(i)?.parent;
        }
        None
    }

    fn segment(&mut self, seg: &Segment<'a>) {
        let level = self.level.and_then(|l| self.spec.levels.get(l));
        match seg.tag {
            "HL" => return self.hl(seg),
            "NM1" if level.is_some_and(|l| std::ptr::eq(self.t.current, l.header)) => {
                if let Some(l) = level {
                    self.enter(l.name, At::Name, seg);
                }
                if let Some(h) = self.t.hls.last_mut() {
                    h.has_name = true;
                }
            }
            "SE" => self.enter(self.spec.trailer, At::Other, seg),
            tag => {
                if let (Some(k), Some(l)) = (self.opens(tag), level)
                    && let Some(inner) = l.inner.get(k)
                {
                    self.enter(inner.part, At::Inner(k), seg);
                    if let Some(h) = self.t.hls.last_mut() {
                        h.inner |= 1 << k.min(31);
                    }
                }
            }
        }
        self.place(seg);
    }

    /// Finds `seg`'s slot in the current loop and checks order, repeats and elements.
    fn place(&mut self, seg: &Segment<'a>) {
        let location = self.t.current.name;
        let version = self.spec.id.version;
        let Some((i, slot)) = schema::find(self.t.current, seg.tag) else {
            return self.misplaced(seg);
        };
        if i < self.slot {
            self.t.out.push(
                Found::segment("segment_out_of_order", "7", location, seg.index, seg.tag).say(
                    format!(
                        "{} in {location} comes after segments that must follow it.",
                        seg.tag
                    ),
                    format!("Order the segments of {location} as {version} lists them."),
                ),
            );
        } else {
            self.slot = i;
        }
        let used = self.uses.get(i).copied().unwrap_or(0) + 1;
        if let Some(u) = self.uses.get_mut(i) {
            *u = used;
        }
        if used > slot.max_use {
            self.t.out.push(
                Found::segment("segment_over_max_use", "5", location, seg.index, seg.tag).say(
                    format!(
                        "{} appears {used} times in {location}; at most {} allowed.",
                        seg.tag, slot.max_use
                    ),
                    format!(
                        "Send {} at most {} times in {location}.",
                        seg.tag, slot.max_use
                    ),
                ),
            );
        }
        if let Some(defs) = schema::elements(seg.tag) {
            element::check(
                seg,
                defs,
                element::Uses::of(slot),
                location,
                version,
                self.classes,
                self.t.out,
            );
        }
        self.spec.rules.segment(&mut self.t, seg);
    }

    fn misplaced(&mut self, seg: &Segment<'a>) {
        let location = self.t.current.name;
        let id = self.spec.id;
        let known = self.spec.tags.contains(&seg.tag);
        let earlier = self
            .level
            .and_then(|l| self.spec.levels.get(l))
            .is_some_and(|l| {
                schema::find(l.header, seg.tag).is_some() && !std::ptr::eq(self.t.current, l.header)
            });
        let (rule, code, text) = if earlier {
            (
                "segment_out_of_order",
                "7",
                format!(
                    "{} belongs before the NM1 of this level, not in {location}.",
                    seg.tag
                ),
            )
        } else if known {
            (
                "unexpected_segment",
                "2",
                format!("{} is not expected in {location}.", seg.tag),
            )
        } else {
            (
                "unknown_segment",
                "1",
                format!("{} is not a segment of the {}.", seg.tag, id.name),
            )
        };
        self.t.out.push(
            Found::segment(rule, code, location, seg.index, seg.tag).say(
                text,
                format!(
                    "Remove the segment or move it to the loop where {} allows it.",
                    id.version
                ),
            ),
        );
    }

    fn hl(&mut self, seg: &Segment<'a>) {
        let levels = self.spec.levels;
        let declared = seg.element(3).and_then(|c| self.spec.level(c)).map(|l| l.0);
        // An unknown HL03 is reported by the element rule; follow the parent to keep going: the
        // level under the parent's, or the parent's own at the bottom of the tree.
        let parent_level = seg
            .element(2)
            .and_then(|p| self.hl_ids.get(p))
            .and_then(|&k| self.t.hls.get(k))
            .map(|h| h.level);
        let level = declared.or_else(|| match parent_level {
            Some(p) => {
                let code = levels.get(p).map(|l| l.code);
                levels
                    .iter()
                    .position(|l| l.parent.is_some() && l.parent == code)
                    .or(Some(p))
            }
            None => Some(0),
        });
        let Some((level, def)) = level.and_then(|i| levels.get(i).map(|l| (i, l))) else {
            return;
        };
        let header = def.header;
        self.enter(header, At::Other, seg);
        self.level = Some(level);
        let n = self.t.hls.len() + 1;
        if seg.element(1) != Some(n.to_string().as_str()) {
            self.t.out.push(Found::segment("hl_sequence", "7", header.name, seg.index, "HL").element(1).say(
                format!("HL01 in {} must be {n}: HL01 counts the HL segments from 1 in each transaction set.", header.name),
                "Number the HL segments 1, 2, 3, … in order.",
            ));
        }
        match (def.parent, seg.element(2)) {
            (Some(want), Some(p)) => match self
                .hl_ids
                .get(p)
                .and_then(|&k| self.t.hls.get_mut(k))
            {
                Some(parent) if levels.get(parent.level).is_some_and(|l| l.code == want) => {
                    parent.children += 1;
                }
                _ => self.t.out.push(
                    Found::segment("hl_parent", "7", header.name, seg.index, "HL")
                        .element(2)
                        .say(
                            format!(
                                "HL02 in {} must point to an earlier HL at level {want} (HL03 = {want}).",
                                header.name,
                            ),
                            format!(
                                "Set HL02 to the HL01 of the level-{want} HL this level belongs to."
                            ),
                        ),
                ),
            },
            (Some(want), None) => self.t.out.push(
                Found::segment("hl_parent", "1", header.name, seg.index, "HL")
                    .element(2)
                    .say(
                        format!(
                            "HL02 in {} is required: it points to the level-{want} HL above.",
                            header.name,
                        ),
                        format!("Set HL02 to the HL01 of the level-{want} HL this level belongs to."),
                    ),
            ),
            (None, _) => {}
        }
        let id = seg.element(1).unwrap_or("");
        self.hl_ids.entry(id).or_insert(self.t.hls.len());
        self.t.hls.push(Hl {
            level,
            index: seg.index,
            child_code: seg.element(4).map(|c| match c {
                "0" => ChildCode::No,
                "1" => ChildCode::Yes,
                _ => ChildCode::Other,
            }),
            children: 0,
            has_name: false,
            inner: 0,
        });
        self.place(seg);
    }

    /// Tree and patient rules once every segment was seen.
    fn finish(mut self, st_index: u32) -> Summary {
        let levels = self.spec.levels;
        let mut patients = 0;
        for (i, level) in levels.iter().enumerate().filter(|(_, l)| l.required) {
            if !self.t.hls.iter().any(|h| h.level == i) {
                let name = level.header.name;
                self.t.out.push(
                    Found::segment("loop_missing", "I7", name, st_index, "ST").say(
                        format!(
                            "{name} (HL03 = {}) is missing; {}.",
                            level.code, self.spec.levels_needed
                        ),
                        format!("Add {name} with its HL and NM1 segments."),
                    ),
                );
            }
        }
        for h in &self.t.hls {
            let Some(level) = levels.get(h.level) else {
                continue;
            };
            let name = level.name.name;
            if !h.has_name {
                self.t.out.push(
                    Found::segment("loop_missing", "I7", name, h.index, "HL").say(
                        format!("{name} (its NM1) is missing after this HL."),
                        format!("Add the NM1 segment of {name}."),
                    ),
                );
            }
            let has_children = h.children > 0;
            let want = if has_children {
                ChildCode::Yes
            } else {
                ChildCode::No
            };
            if h.child_code
                .is_some_and(|c| c != want && c != ChildCode::Other)
            {
                let header = level.header.name;
                self.t.out.push(
                    Found::segment("hl_child_code", "7", header, h.index, "HL")
                        .element(4)
                        .say(
                            format!(
                                "HL04 in {header} says the level {} children, but it {}.",
                                if want == ChildCode::Yes {
                                    "has no"
                                } else {
                                    "has"
                                },
                                if has_children { "has" } else { "has none" }
                            ),
                            "Set HL04 to 1 when HL segments follow under this level, else 0.",
                        ),
                );
            }
            if is_patient(level.patient, h) {
                patients += 1;
            }
        }
        self.spec.rules.finish(&mut self.t, levels);
        Summary { patients }
    }
}

/// The HL holds a patient.
pub fn is_patient(patient: Patient, h: &Hl) -> bool {
    match patient {
        Patient::Never => false,
        Patient::Leaf => h.children == 0,
        Patient::Always => true,
    }
}
