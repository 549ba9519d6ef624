//! A payer's 271 (or 999) mapped into the anchors' eligibility JSON. Tolerant: whatever can be
//! mapped is, each oddity becomes a warning, and only a document with nothing to map is an error.

pub(crate) mod ack;
mod benefit;
mod entity;
mod text;

use std::borrow::Cow;

use super::model::{AaaError, EligibilityResponse, Meta, Payer, Provider, Warning};
use super::status::{Classifier, Status};
use crate::x12::CutSegment as Seg;
use crate::x12::ParseError;

/// What the request adds to the response: the anchors echo the 270's control number and payer ID.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// ISA13 of the request.
    pub control_number: Option<String>,
    /// 2100A NM109 of the request.
    pub trading_partner_service_id: Option<String>,
    /// TRN02 values the request sent, to pick the matching subscriber in a multi-subscriber 271.
    pub traces: Vec<String>,
    /// `meta` as the gateway fills it.
    pub meta: Meta,
}

/// Why a payer's response could not be mapped at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// Not readable as X12.
    #[error("the response is not readable X12: {0}")]
    Unreadable(#[from] ParseError),
    /// Readable, but holds no 271 or 999 transaction set.
    #[error("the response holds no 271 or 999 transaction set and no TA1")]
    NoTransaction,
}

/// Maps the response to the request: with several subscribers or transactions, the one whose TRN
/// echoes the request's trace number, else the first.
pub fn map<'a>(x12: &'a str, ctx: &Context) -> Result<EligibilityResponse<'a>, MapError> {
    pick(map_all(x12, ctx)?, ctx)
}

/// [`map`], and the transaction's canonical status ([`classify`]) from the same pass.
///
/// [`classify`]: crate::eligibility::status::classify
pub fn map_classified<'a>(
    x12: &'a str,
    ctx: &Context,
) -> Result<(EligibilityResponse<'a>, Status), MapError> {
    let mut classifier = Classifier::default();
    let all = walk_all(x12, ctx, &mut classifier)?;
    Ok((pick(all, ctx)?, classifier.status()))
}

fn pick<'a>(
    mut all: Vec<EligibilityResponse<'a>>,
    ctx: &Context,
) -> Result<EligibilityResponse<'a>, MapError> {
    let pick = all
        .iter()
        .position(|r| {
            r.subscriber_trace_numbers.iter().any(|t| {
                t.reference_identification
                    .as_deref()
                    .is_some_and(|id| ctx.traces.iter().any(|want| want == id))
            })
        })
        .unwrap_or(0);
    if all.len() > 1 {
        let others = all.len() - 1;
        let mut chosen = all.swap_remove(pick);
        chosen.warnings.push(warning(
            "response::271::multiple_subscribers",
            format!("The payer's response holds {} subscriber answers; the one matching the request is returned, {others} other(s) omitted.", others + 1),
        ));
        return Ok(chosen);
    }
    all.pop().ok_or(MapError::NoTransaction)
}

/// Maps every subscriber answer in every transaction set, in document order (the CLI prints all).
pub fn map_all<'a>(x12: &'a str, ctx: &Context) -> Result<Vec<EligibilityResponse<'a>>, MapError> {
    walk_all(x12, ctx, &mut Classifier::default())
}

fn walk_all<'a>(
    x12: &'a str,
    ctx: &Context,
    classifier: &mut Classifier<'a>,
) -> Result<Vec<EligibilityResponse<'a>>, MapError> {
    let (reader, guessed) = crate::x12::open_tolerant(x12)?;
    let mut walk = Walk::new(x12, ctx);
    if guessed {
        // `classify` reads only a well-formed ISA.
        classifier.stop();
        walk.warn(
            "response::271::isa_delimiters_guessed",
            "The `ISA` does not have 16 elements with usable delimiters; the delimiters were taken from the segments after it.".into(),
        );
    }
    for seg in reader {
        match seg {
            Ok(seg) => {
                let seg = Seg::new(seg);
                classifier.see(seg.tag, |n| seg.element(n));
                walk.segment(&seg);
            }
            Err(e) => {
                classifier.stop();
                walk.warn(
                    "response::271::unreadable_segment",
                    format!("A segment was skipped: {e}."),
                );
            }
        }
    }
    walk.finish_transaction();
    walk.interchange_ack();
    if walk.out.is_empty() {
        return Err(MapError::NoTransaction);
    }
    Ok(walk.out)
}

/// Where member-level segments go.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    Outside,
    Source,
    Receiver,
    Subscriber,
    Dependent,
}

/// The walk over one interchange, building one response per subscriber (2000C).
struct Walk<'a, 'c> {
    x12: &'a str,
    ctx: &'c Context,
    out: Vec<EligibilityResponse<'a>>,
    isa13: Option<&'a str>,
    /// Warnings about the interchange (ISA, GS), copied to every response.
    interchange_warnings: Vec<Warning>,
    /// Warnings about the current transaction set outside its subscribers (ST/SE, 2000A–2100B),
    /// copied to each of its responses when it ends.
    transaction_warnings: Vec<Warning>,
    /// Index in `out` of the current transaction set's first response.
    tx_start: usize,
    /// Transaction set state.
    st_type: Option<&'a str>,
    st_control: Option<&'a str>,
    st_index: u32,
    level: Level,
    /// Whether 2100A's NM1 was seen (AAA before it is 2000A's).
    payer_named: bool,
    payer: Option<Payer<'a>>,
    provider: Option<Provider<'a>>,
    provider_refs: Vec<(&'a str, &'a str)>,
    /// AAA of 2000A/2100A/2100B, bubbled into each response's `errors`.
    upper_errors: Vec<AaaError<'a>>,
    current: Option<EligibilityResponse<'a>>,
    answered: bool,
    benefit: benefit::State,
    /// The 999 being read, when the transaction set is one.
    ack: Option<ack::Ack<'a>>,
    /// TA104 and the TA105 error of a TA1 in the interchange.
    ta1: Option<(Option<&'a str>, Option<AaaError<'a>>)>,
    /// BHT03 of the current transaction set.
    bht03: Option<&'a str>,
}

fn warning(code: &str, description: String) -> Warning {
    Warning {
        code: code.to_owned(),
        description,
        location: None,
        segment: None,
        segment_position: None,
        element: None,
    }
}

impl<'a, 'c> Walk<'a, 'c> {
    fn new(x12: &'a str, ctx: &'c Context) -> Self {
        Self {
            x12,
            ctx,
            out: Vec::new(),
            isa13: None,
            interchange_warnings: Vec::new(),
            transaction_warnings: Vec::new(),
            tx_start: 0,
            st_type: None,
            st_control: None,
            st_index: 0,
            level: Level::Outside,
            payer_named: false,
            payer: None,
            provider: None,
            provider_refs: Vec::new(),
            upper_errors: Vec::new(),
            current: None,
            answered: false,
            benefit: benefit::State::default(),
            ack: None,
            ta1: None,
            bht03: None,
        }
    }

    fn warn(&mut self, code: &str, description: String) {
        self.push_warning(warning(code, description), false);
    }

    /// Files a warning with the response it concerns: the current subscriber's, else every
    /// response of the transaction set (or, outside one, of the interchange).
    fn push_warning(&mut self, w: Warning, transaction_level: bool) {
        match (self.current.as_mut(), self.st_type.is_some()) {
            (Some(r), _) if !transaction_level => r.warnings.push(w),
            (_, true) => self.transaction_warnings.push(w),
            (_, false) => self.interchange_warnings.push(w),
        }
    }

    fn warn_at(&mut self, code: &str, description: String, seg: &Seg<'a>, element: usize) {
        let mut w = warning(code, description);
        w.segment = Some(seg.tag.to_owned());
        let in_set = self.st_type.is_some() && !matches!(seg.tag, "ISA" | "GS" | "GE" | "IEA");
        w.segment_position = Some(if in_set {
            seg.index.saturating_sub(self.st_index) + 1
        } else {
            seg.index
        });
        w.element = u8::try_from(element).ok().filter(|e| *e > 0);
        w.location = Some(
            match seg.tag {
                "ISA" | "IEA" | "TA1" => "Interchange",
                "GS" | "GE" => "Functional group",
                "ST" | "SE" => "Transaction set",
                _ => self.location(),
            }
            .to_owned(),
        );
        self.push_warning(w, matches!(seg.tag, "ST" | "SE"));
    }

    fn location(&self) -> &'static str {
        match (self.level, self.benefit.in_2120, self.benefit.active) {
            (Level::Source, ..) if !self.payer_named => "Loop 2000A",
            (Level::Source, ..) => "Loop 2100A",
            (Level::Receiver, ..) => "Loop 2100B",
            (Level::Subscriber, true, _) => "Loop 2120C",
            (Level::Subscriber, _, true) => "Loop 2110C",
            (Level::Subscriber, ..) => "Loop 2100C",
            (Level::Dependent, true, _) => "Loop 2120D",
            (Level::Dependent, _, true) => "Loop 2110D",
            (Level::Dependent, ..) => "Loop 2100D",
            (Level::Outside, ..) => "Transaction set header",
        }
    }

    fn segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "ISA" => self.isa(seg),
            "GS" => {
                if seg.element(8).is_some_and(|v| !v.starts_with("005010X279")) {
                    self.warn_at(
                        "response::271::version",
                        "GS08 is not 005010X279A1; the response was mapped as 5010.".into(),
                        seg,
                        8,
                    );
                }
            }
            "ST" => self.start_transaction(seg),
            "SE" => self.end_transaction(seg),
            "GE" | "IEA" => {}
            "TA1" => self.ta1 = Some(ack::ta1(seg)),
            _ if self.st_type == Some("999") => {
                if let Some(a) = self.ack.as_mut() {
                    a.segment(seg);
                }
            }
            _ if self.st_type.is_none() => {
                self.warn_at(
                    "response::271::outside_transaction",
                    format!(
                        "Segment `{}` outside a transaction set was ignored.",
                        seg.tag
                    ),
                    seg,
                    0,
                );
            }
            "BHT" => self.bht03 = seg.element(3),
            "HL" => self.hl(seg),
            _ => self.loop_segment(seg),
        }
    }

    fn isa(&mut self, seg: &Seg<'a>) {
        self.isa13 = seg.element(13);
        if seg.element(12).is_some_and(|v| v != "00501") {
            self.warn_at(
                "response::271::version",
                "ISA12 is not 00501; the response was mapped as 5010.".into(),
                seg,
                12,
            );
        }
    }

    fn start_transaction(&mut self, seg: &Seg<'a>) {
        self.finish_transaction();
        self.tx_start = self.out.len();
        self.st_index = seg.index;
        self.st_control = seg.element(2);
        let kind = seg.element(1).unwrap_or("");
        self.st_type = Some(kind);
        if kind == "999" {
            self.ack = Some(ack::Ack::default());
        } else if kind != "271" {
            self.warn_at(
                "response::271::unexpected_transaction",
                "ST01 is not 271; the transaction set was mapped as a 271.".into(),
                seg,
                1,
            );
        }
        if kind == "271" && seg.element(3).is_some_and(|v| !v.starts_with("005010X279")) {
            self.warn_at(
                "response::271::version",
                "ST03 is not 005010X279A1; the response was mapped as 5010.".into(),
                seg,
                3,
            );
        }
    }

    fn end_transaction(&mut self, seg: &Seg<'a>) {
        let counted = seg.index.saturating_sub(self.st_index) + 1;
        if seg.element(1).and_then(|n| n.parse::<u32>().ok()) != Some(counted) {
            self.warn_at(
                "response::271::se_count",
                format!("SE01 does not match the {counted} segments of the transaction set."),
                seg,
                1,
            );
        }
        if seg.element(2) != self.st_control {
            self.warn_at(
                "response::271::se_control_number",
                "SE02 does not match ST02.".into(),
                seg,
                2,
            );
        }
        self.finish_transaction();
    }

    fn hl(&mut self, seg: &Seg<'a>) {
        self.benefit.close();
        match seg.element(3) {
            Some("20") => {
                self.finish_subscriber();
                self.level = Level::Source;
                self.payer_named = false;
                self.payer = None;
                self.provider = None;
                self.provider_refs.clear();
                self.upper_errors.clear();
                self.answered = false;
            }
            Some("21") => {
                self.finish_subscriber();
                self.level = Level::Receiver;
                self.provider = None;
                self.provider_refs.clear();
                self.upper_errors
                    .retain(|e| e.location.as_deref() != Some("Loop 2100B"));
            }
            Some("22") => {
                self.finish_subscriber();
                self.level = Level::Subscriber;
                self.current = Some(self.new_response());
            }
            Some("23") => {
                self.level = Level::Dependent;
                if self.current.is_none() {
                    self.warn_at(
                        "response::271::dependent_without_subscriber",
                        "A dependent level (HL03 = 23) has no subscriber level above it.".into(),
                        seg,
                        3,
                    );
                    self.current = Some(self.new_response());
                }
                if let Some(r) = self.current.as_mut() {
                    r.dependents.push(super::model::Member::default());
                }
            }
            _ => {
                self.warn_at(
                    "response::271::hl_level",
                    "HL03 is not 20, 21, 22 or 23; the level was ignored.".into(),
                    seg,
                    3,
                );
                self.level = Level::Outside;
            }
        }
    }

    fn new_response(&self) -> EligibilityResponse<'a> {
        EligibilityResponse {
            warnings: self.interchange_warnings.clone(),
            ..EligibilityResponse::default()
        }
    }

    fn loop_segment(&mut self, seg: &Seg<'a>) {
        match self.level {
            Level::Source => entity::source_segment(self, seg),
            Level::Receiver => entity::receiver_segment(self, seg),
            Level::Subscriber | Level::Dependent => {
                if benefit::takes(self, seg) {
                    return;
                }
                if self.benefit.active && matches!(seg.tag, "TRN" | "DMG" | "INS" | "HI" | "MPI") {
                    self.warn_at(
                        "response::271::segment_order",
                        format!(
                            "Segment `{}` of {} came after the first `EB`; it was mapped to the member.",
                            seg.tag,
                            if self.level == Level::Dependent { "loop 2100D" } else { "loop 2100C" }
                        ),
                        seg,
                        0,
                    );
                }
                entity::member_segment(self, seg);
            }
            Level::Outside => {
                self.warn_at(
                    "response::271::outside_level",
                    format!("Segment `{}` before the first HL was ignored.", seg.tag),
                    seg,
                    0,
                );
            }
        }
    }

    fn finish_subscriber(&mut self) {
        self.benefit.close();
        if let Some(mut r) = self.current.take() {
            self.complete(&mut r);
            self.out.push(r);
            self.answered = true;
        }
    }

    /// Closes the transaction set: a transaction without any subscriber level (an AAA at the payer or
    /// provider level, or a 999) still yields a response carrying its errors.
    fn finish_transaction(&mut self) {
        self.finish_subscriber();
        if self.st_type.is_some() && !self.answered {
            let mut r = self.new_response();
            if let Some(ack) = self.ack.take() {
                r.transaction_set_acknowledgement = ack.code.map(Cow::Borrowed);
                r.implementation_transaction_set_syntax_error = ack.syntax_error.map(Cow::Borrowed);
                r.errors = ack.errors;
                r.status = Some("ERROR");
            }
            self.complete(&mut r);
            self.out.push(r);
        }
        let tx = std::mem::take(&mut self.transaction_warnings);
        if !tx.is_empty() {
            let at = self.interchange_warnings.len();
            for r in self.out.iter_mut().skip(self.tx_start) {
                let at = at.min(r.warnings.len());
                r.warnings.splice(at..at, tx.iter().cloned());
            }
        }
        self.tx_start = self.out.len();
        self.st_type = None;
        self.ack = None;
        self.bht03 = None;
        self.level = Level::Outside;
        self.answered = false;
        self.payer = None;
        self.provider = None;
        self.provider_refs.clear();
        self.upper_errors.clear();
    }

    /// A TA1 alone (no transaction set) answers the request: its code and note become the response.
    /// Beside transaction sets, a TA1 that is not `A` only adds a warning.
    fn interchange_ack(&mut self) {
        let Some((code, error)) = self.ta1.take() else {
            return;
        };
        if self.out.is_empty() {
            let mut r = self.new_response();
            r.transaction_set_acknowledgement = code.map(Cow::Borrowed);
            r.errors.extend(error);
            r.status = Some("ERROR");
            self.complete(&mut r);
            self.out.push(r);
        } else if code.is_some_and(|c| c != "A") {
            for r in &mut self.out {
                r.warnings.push(warning(
                    "response::271::interchange_acknowledgement",
                    "The interchange carries a TA1 that does not accept the 270's envelope; the transaction sets were mapped.".into(),
                ));
            }
        }
    }

    fn complete(&self, r: &mut EligibilityResponse<'a>) {
        r.meta = self.ctx.meta.clone();
        if r.meta.trace_id.is_none() {
            // Stedi's `traceId` is the 271's BHT03; the gateway passes its request ID instead.
            r.meta.trace_id = self.bht03.map(str::to_owned);
        }
        let ctl = self
            .ctx
            .control_number
            .clone()
            .map(Cow::Owned)
            .or(self.isa13.map(Cow::Borrowed));
        r.reassociation_key.clone_from(&ctl);
        r.control_number = ctl;
        r.trading_partner_service_id = self
            .ctx
            .trading_partner_service_id
            .clone()
            .map(Cow::Owned)
            // Without the request (the CLI), the payer's own ID in the 271 stands in; a tax ID
            // (NM108 `FI`) is not a trading partner ID, so only `PI` does.
            .or_else(|| {
                self.payer
                    .as_ref()
                    .and_then(|p| p.payor_identification.clone())
            });
        r.payer.clone_from(&self.payer);
        if r.provider.is_none() {
            r.provider.clone_from(&self.provider);
        }
        for (q, v) in &self.provider_refs {
            entity::plan_information(&mut r.plan_information, q, v, None);
        }
        let mut errors = self.upper_errors.clone();
        errors.append(&mut r.errors);
        r.errors = errors;
        r.x12 = Cow::Borrowed(self.x12);
        r.benefits_information.iter_mut().for_each(benefit::finish);
    }
}

#[cfg(test)]
mod tests;
