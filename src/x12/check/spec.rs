//! A transaction described as data for the shared checks: its identity (ST01, GS01, version), its
//! header and trailer, its HL levels with their loops, and a hook for its business rules.

use super::found::Problems;
use super::schema::Loop;
use crate::x12::Segment;

/// What a transaction is called and where it belongs: enough to recognise it in an envelope and to
/// tell a caller who sent it to the wrong place where to send it.
#[derive(Debug)]
pub struct Identity {
    /// ST01, e.g. `"270"`.
    pub st01: &'static str,
    /// GS01, e.g. `"HS"`.
    pub gs01: &'static str,
    /// GS08 and ST03, e.g. `"005010X279A1"`.
    pub version: &'static str,
    /// As messages name it: `"005010X279A1 270"`.
    pub name: &'static str,
    /// As a refusal names it: `"270 (eligibility inquiry)"`.
    pub what: &'static str,
    /// Where such a transaction goes: `"/medicalnetwork/eligibility/v3/raw-x12"`.
    pub route: &'static str,
    /// The 4010 implementation guide it replaced, e.g. `"004010X092"`.
    pub old_version: &'static str,
}

/// Which HLs of a level hold a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patient {
    /// None (payer, receiver, provider levels).
    Never,
    /// Those without child HLs (the subscriber, when no dependent follows).
    Leaf,
    /// Every one (the dependent).
    Always,
}

/// A loop inside a level after its name loop, opened by a trigger segment: 2110C (EQ), 2200D
/// (TRN), 2210D (SVC, nested in 2200D).
#[derive(Debug)]
pub struct Inner {
    /// The segment that opens it.
    pub trigger: &'static str,
    /// The loop.
    pub part: &'static Loop,
    /// Index (in the level's `inner`) of the loop it nests in; `None`: directly under the name loop.
    pub parent: Option<usize>,
}

/// One HL level: HL03, its parent level, its loops.
#[derive(Debug)]
pub struct Level {
    /// HL03, e.g. `"22"`.
    pub code: &'static str,
    /// HL03 of the parent level; `None` for the top level.
    pub parent: Option<&'static str>,
    /// A transaction set must hold one.
    pub required: bool,
    /// Which of its HLs are patients.
    pub patient: Patient,
    /// The loop the HL opens (2000C).
    pub header: &'static Loop,
    /// The name loop, opened by NM1 (2100C).
    pub name: &'static Loop,
    /// The loops after the name loop, in order (parents before the loops nested in them).
    pub inner: &'static [Inner],
}

/// A transaction as data, and its business rules.
pub struct Spec<R: 'static> {
    /// What it is.
    pub id: &'static Identity,
    /// Other transactions it may be mistaken for: refused with one error naming the right route.
    pub others: &'static [&'static Identity],
    /// ST, BHT.
    pub header: &'static Loop,
    /// SE.
    pub trailer: &'static Loop,
    /// HL levels, the top one first.
    pub levels: &'static [Level],
    /// Ends "{loop} (HL03 = 20) is missing; …": `"the 270 needs a payer, a provider and a subscriber level"`.
    pub levels_needed: &'static str,
    /// Every segment ID its transaction set may contain.
    pub tags: &'static [&'static str],
    /// Real-time requests carry one patient (the 270); the 276's raw routes take any valid 276,
    /// which may ask about several patients' claims (claim-status.md §6.5).
    pub one_patient: bool,
    /// (segment ID, element) of elements that may repeat: their empty trailing repetitions are repaired.
    pub repeated: &'static [(&'static str, u8)],
    /// NM101 codes of the persons whose names get the backtick repair.
    pub person_codes: &'static [&'static str],
    /// Version strings before the addenda, repaired to `id.version` (`"005010X279"`).
    pub stale_versions: &'static [&'static str],
    /// The version repair's problem text.
    pub version_disagreement: &'static str,
    /// Business rules.
    pub rules: R,
}

impl<R> Spec<R> {
    /// The level with HL03 `code`, with its index.
    pub fn level(&self, code: &str) -> Option<(usize, &'static Level)> {
        self.levels
            .iter()
            .position(|l| l.code == code)
            .and_then(|i| self.levels.get(i).map(|l| (i, l)))
    }

    /// The header loop name where the subscriber-patient sits ("Loop 2000C"), for the one-patient rule.
    pub fn patient_loop(&self) -> &'static str {
        self.levels
            .iter()
            .find(|l| l.patient == Patient::Leaf)
            .map_or("Transaction set", |l| l.header.name)
    }
}

/// One HL as the tree rules see it.
#[derive(Debug)]
pub struct Hl {
    /// Index of its level in `Spec::levels`.
    pub level: usize,
    /// 1-based segment index of the HL.
    pub index: u32,
    /// HL04 is `"0"` / `"1"` / other / absent.
    pub child_code: Option<ChildCode>,
    /// Child HLs pointing at it.
    pub children: u32,
    /// Its name loop was seen.
    pub has_name: bool,
    /// Bit `k`: inner loop `k` of its level was opened.
    pub inner: u32,
}

/// HL04 as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildCode {
    /// `0`.
    No,
    /// `1`.
    Yes,
    /// Anything else (reported by the element rule).
    Other,
}

/// What the walk knows while it goes through one transaction set, as business rules see it.
pub struct Txn<'o, S> {
    /// Where problems go.
    pub out: &'o mut Problems,
    /// The loop being walked.
    pub current: &'static Loop,
    /// The HLs so far.
    pub hls: Vec<Hl>,
    /// Today as `CCYYMMDD`.
    pub today: &'o str,
    /// The rules' own state.
    pub state: S,
}

impl<S> Txn<'_, S> {
    /// The current loop's name, as locations print it.
    pub fn location(&self) -> &'static str {
        self.current.name
    }
}

/// A transaction's rules beyond loops and element syntax.
pub trait Rules: Sync {
    /// What the rules remember within one transaction set.
    type State: Default;
    /// After `seg` was placed in its loop and its elements checked.
    fn segment(&self, t: &mut Txn<'_, Self::State>, seg: &Segment<'_>);
    /// Once every segment was seen and the tree checked; `levels` is the spec's.
    fn finish(&self, t: &mut Txn<'_, Self::State>, levels: &'static [Level]);
}
