//! One ST…SE transaction set: the structural walk (loops, segment order and repeats, the HL
//! tree, element rules, one patient, EQ placement); business rules live in `rules`.

mod rules;

use std::collections::HashMap;

use super::element;
use super::found::{Found, Problems};
use super::schema::{self, Loop};
use crate::x12::Segment;
use crate::x12::charset::Classes;

/// What one transaction set holds, for the interchange-level checks.
#[derive(Debug, Default, Clone, Copy)]
pub struct Summary {
    /// Patients: subscribers without dependents, plus dependents.
    pub patients: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Source,
    Receiver,
    Subscriber,
    Dependent,
}

impl Level {
    fn code(self) -> &'static str {
        match self {
            Self::Source => "20",
            Self::Receiver => "21",
            Self::Subscriber => "22",
            Self::Dependent => "23",
        }
    }

    fn parent(self) -> Option<Self> {
        match self {
            Self::Source => None,
            Self::Receiver => Some(Self::Source),
            Self::Subscriber => Some(Self::Receiver),
            Self::Dependent => Some(Self::Subscriber),
        }
    }

    fn loops(self) -> (&'static Loop, &'static Loop, Option<&'static Loop>) {
        match self {
            Self::Source => (&schema::L2000A, &schema::L2100A, None),
            Self::Receiver => (&schema::L2000B, &schema::L2100B, None),
            Self::Subscriber => (&schema::L2000C, &schema::L2100C, Some(&schema::L2110C)),
            Self::Dependent => (&schema::L2000D, &schema::L2100D, Some(&schema::L2110D)),
        }
    }
}

/// One HL as the tree check needs it.
#[derive(Debug)]
struct Hl<'a> {
    level: Level,
    index: u32,
    child_code: Option<&'a str>,
    children: u32,
    has_name: bool,
    has_inquiry: bool,
}

/// What a 2100C/2100D says about the person, for the search-option rule.
#[derive(Debug, Default, Clone, Copy)]
#[allow(clippy::struct_excessive_bools)] // independent facts, one per search-option ingredient
struct Person {
    nm1: u32,
    last: bool,
    first: bool,
    id: bool,
    ssn: bool,
    birth: bool,
}

struct Walk<'a, 'o> {
    out: &'o mut Problems,
    current: &'static Loop,
    /// Index of the slot last used in `current`, and its uses in this loop iteration.
    slot: usize,
    uses: [u16; 24],
    level: Option<Level>,
    hls: Vec<Hl<'a>>,
    /// Index in `hls` of the first HL with each HL01, so parents are found without a rescan.
    hl_ids: HashMap<&'a str, usize>,
    persons: Vec<(usize, Person)>,
    today: &'o str,
    classes: &'o Classes,
    /// The segment that opened the current loop (findings about the loop point at it).
    anchor: (u32, &'static str),
}

/// Validates the segments of one transaction set (`segs` from ST to SE, or to the end when SE is missing).
pub fn check(segs: &[Segment<'_>], out: &mut Problems, today: &str, classes: &Classes) -> Summary {
    let first = segs.first().map_or(0, |s| s.index);
    let mut w = Walk {
        out,
        current: &schema::HEADER,
        slot: 0,
        uses: [0; 24],
        level: None,
        hls: Vec::with_capacity(4),
        hl_ids: HashMap::with_capacity(4),
        persons: Vec::with_capacity(2),
        today,
        classes,
        anchor: (first, "ST"),
    };
    for seg in segs {
        if !w.out.tick() {
            break;
        }
        w.segment(seg);
    }
    w.close_loop();
    w.finish(segs.first().map_or(0, |s| s.index))
}

impl<'a> Walk<'a, '_> {
    fn enter(&mut self, l: &'static Loop, at: &Segment<'_>) {
        self.close_loop();
        self.current = l;
        self.slot = 0;
        self.uses = [0; 24];
        self.anchor = (at.index, l.slots.first().map_or("", |s| s.tag));
    }

    /// Required segments of the loop being left.
    fn close_loop(&mut self) {
        for (i, s) in self.current.slots.iter().enumerate() {
            if s.required && self.uses.get(i).copied().unwrap_or(0) == 0 && i > 0 {
                let (segment, tag) = self.anchor;
                self.out.push(
                    Found::segment("segment_missing", "3", self.current.name, segment, tag).say(
                        format!(
                            "{} is missing in {}; it is required there.",
                            s.tag, self.current.name
                        ),
                        format!("Add the {} segment to {}.", s.tag, self.current.name),
                    ),
                );
            }
        }
    }

    fn segment(&mut self, seg: &Segment<'a>) {
        match seg.tag {
            "HL" => return self.hl(seg),
            "NM1"
                if self
                    .level
                    .is_some_and(|l| std::ptr::eq(self.current, l.loops().0)) =>
            {
                let (_, name, _) = self
                    .level
                    .map_or((&schema::L2000A, &schema::L2100A, None), Level::loops);
                self.enter(name, seg);
                if let Some(h) = self.hls.last_mut() {
                    h.has_name = true;
                }
            }
            "EQ" => {
                if let Some((_, name, Some(inquiry))) = self.level.map(Level::loops)
                    && (std::ptr::eq(self.current, name) || std::ptr::eq(self.current, inquiry))
                {
                    self.enter(inquiry, seg);
                    if let Some(h) = self.hls.last_mut() {
                        h.has_inquiry = true;
                    }
                }
            }
            "SE" => self.enter(&schema::TRAILER, seg),
            _ => {}
        }
        self.place(seg);
    }

    /// Finds `seg`'s slot in the current loop and checks order, repeats and elements.
    fn place(&mut self, seg: &Segment<'a>) {
        let location = self.current.name;
        let Some((i, slot)) = schema::find(self.current, seg.tag) else {
            return self.misplaced(seg);
        };
        if i < self.slot {
            self.out.push(
                Found::segment("segment_out_of_order", "7", location, seg.index, seg.tag).say(
                    format!(
                        "{} in {location} comes after segments that must follow it.",
                        seg.tag
                    ),
                    format!("Order the segments of {location} as 005010X279A1 lists them."),
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
            self.out.push(
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
            element::check(seg, defs, slot, location, self.classes, self.out);
        }
        self.business(seg);
    }

    fn misplaced(&mut self, seg: &Segment<'a>) {
        let location = self.current.name;
        let known = schema::TRANSACTION_TAGS.contains(&seg.tag);
        let earlier = self.level.is_some_and(|l| {
            schema::find(l.loops().0, seg.tag).is_some() && !std::ptr::eq(self.current, l.loops().0)
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
                format!("{} is not a segment of the 005010X279A1 270.", seg.tag),
            )
        };
        self.out.push(
            Found::segment(rule, code, location, seg.index, seg.tag).say(
                text,
                "Remove the segment or move it to the loop where 005010X279A1 allows it.",
            ),
        );
    }

    fn hl(&mut self, seg: &Segment<'a>) {
        let declared = match seg.element(3) {
            Some("20") => Some(Level::Source),
            Some("21") => Some(Level::Receiver),
            Some("22") => Some(Level::Subscriber),
            Some("23") => Some(Level::Dependent),
            _ => None,
        };
        // An unknown HL03 is reported by the element rule; follow the parent to keep going.
        let parent_level = seg
            .element(2)
            .and_then(|p| self.hl_ids.get(p))
            .and_then(|&k| self.hls.get(k))
            .map(|h| h.level);
        let level = declared.or(match parent_level {
            Some(Level::Source) => Some(Level::Receiver),
            Some(Level::Receiver) => Some(Level::Subscriber),
            Some(Level::Subscriber | Level::Dependent) => Some(Level::Dependent),
            None => Some(Level::Source),
        });
        let Some(level) = level else { return };
        let (header, _, _) = level.loops();
        self.enter(header, seg);
        self.level = Some(level);
        let n = self.hls.len() + 1;
        if seg.element(1) != Some(n.to_string().as_str()) {
            self.out.push(Found::segment("hl_sequence", "7", header.name, seg.index, "HL").element(1).say(
                format!("HL01 in {} must be {n}: HL01 counts the HL segments from 1 in each transaction set.", header.name),
                "Number the HL segments 1, 2, 3, … in order.",
            ));
        }
        match (level.parent(), seg.element(2)) {
            (Some(want), Some(p)) => match self.hl_ids.get(p).and_then(|&k| self.hls.get_mut(k)) {
                Some(parent) if parent.level == want => parent.children += 1,
                _ => self.out.push(
                    Found::segment("hl_parent", "7", header.name, seg.index, "HL")
                        .element(2)
                        .say(
                            format!(
                                "HL02 in {} must point to an earlier HL at level {} (HL03 = {}).",
                                header.name,
                                want.code(),
                                want.code()
                            ),
                            format!(
                                "Set HL02 to the HL01 of the level-{} HL this level belongs to.",
                                want.code()
                            ),
                        ),
                ),
            },
            (Some(want), None) => self.out.push(
                Found::segment("hl_parent", "1", header.name, seg.index, "HL")
                    .element(2)
                    .say(
                        format!(
                            "HL02 in {} is required: it points to the level-{} HL above.",
                            header.name,
                            want.code()
                        ),
                        format!(
                            "Set HL02 to the HL01 of the level-{} HL this level belongs to.",
                            want.code()
                        ),
                    ),
            ),
            (None, _) => {}
        }
        let id = seg.element(1).unwrap_or("");
        self.hl_ids.entry(id).or_insert(self.hls.len());
        self.hls.push(Hl {
            level,
            index: seg.index,
            child_code: seg.element(4),
            children: 0,
            has_name: false,
            has_inquiry: false,
        });
        self.place(seg);
    }

    /// Tree and patient rules once every segment was seen.
    fn finish(mut self, st_index: u32) -> Summary {
        let mut patients = 0;
        let required = [
            (Level::Source, "Loop 2000A"),
            (Level::Receiver, "Loop 2000B"),
            (Level::Subscriber, "Loop 2000C"),
        ];
        for (level, name) in required {
            if !self.hls.iter().any(|h| h.level == level) {
                self.out.push(Found::segment("loop_missing", "I7", name, st_index, "ST").say(
                    format!("{name} (HL03 = {}) is missing; the 270 needs a payer, a provider and a subscriber level.", level.code()),
                    format!("Add {name} with its HL and NM1 segments."),
                ));
            }
        }
        for h in &self.hls {
            let (_, name_loop, inquiry) = h.level.loops();
            let name = name_loop.name;
            if !h.has_name {
                self.out.push(
                    Found::segment("loop_missing", "I7", name, h.index, "HL").say(
                        format!("{name} (its NM1) is missing after this HL."),
                        format!("Add the NM1 segment of {name}."),
                    ),
                );
            }
            let has_children = h.children > 0;
            let want = if has_children { "1" } else { "0" };
            if h.child_code
                .is_some_and(|c| c != want && (c == "0" || c == "1"))
            {
                self.out.push(
                    Found::segment("hl_child_code", "7", h.level.loops().0.name, h.index, "HL")
                        .element(4)
                        .say(
                            format!(
                                "HL04 in {} says the level {} children, but it {}.",
                                h.level.loops().0.name,
                                if want == "1" { "has no" } else { "has" },
                                if has_children { "has" } else { "has none" }
                            ),
                            "Set HL04 to 1 when HL segments follow under this level, else 0.",
                        ),
                );
            }
            let patient = match h.level {
                Level::Subscriber => !has_children,
                Level::Dependent => true,
                _ => false,
            };
            if patient {
                patients += 1;
            }
            if let Some(inq) = inquiry {
                if patient && !h.has_inquiry {
                    self.out.push(Found::segment("loop_missing", "I7", inq.name, h.index, "HL").say(
                        format!("{} (EQ) is missing: the patient's inquiry needs at least one EQ.", inq.name),
                        "Add an EQ segment, e.g. EQ*30 for general health benefit plan coverage.",
                    ));
                }
                if !patient && h.has_inquiry {
                    self.out.push(Found::segment("inquiry_not_for_patient", "2", inq.name, h.index, "HL").say(
                        format!("{} is used, but the subscriber is not the patient (a dependent level follows); put the EQ in Loop 2110D.", inq.name),
                        "Move the EQ segments to the dependent's Loop 2110D.",
                    ));
                }
            }
        }
        self.search_options();
        Summary { patients }
    }
}
