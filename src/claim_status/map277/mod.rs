//! A payer's 277 (or 999, or TA1) mapped into Change's claim status `Response`. Tolerant like the
//! 271 mapper: whatever can be mapped is, each oddity becomes a warning, and only a document with
//! nothing to map is an error. One response per patient (2000D, or each 2000E under it).
//!
//! Decisions the shared doc leaves open (`claim-status.md` §10): a 2200D/E with several STC
//! segments gives one `claims[]` entry per STC (the service lines go with the first); 2200B and
//! 2200C statuses (information-receiver and provider-level rejections) and any AAA go into
//! `errorResponse.errors[]`, with `status: "ERROR"` when no claim came back; `providers`,
//! `subscriber` and `dependent` are read from the 277 (the HTTP layer may echo the request
//! instead); amounts are passed through as written; SVC01 modifiers, 2220 REF*FJ / DTP and
//! REF*BLT/XZ/VV have no home in the model and stay in `x12`.

mod claim;
mod stc;

use std::borrow::Cow;

use super::model::{
    ClaimStatusResponse, ContactInformation, ErrorDetail, ErrorResponse, Member, Meta, Payer,
    Provider, Subscriber, Warning,
};
use crate::eligibility::map271::ack;
use crate::x12::{CutSegment as Seg, ParseError, open_tolerant};
use claim::ClaimBuilder;
pub use stc::DateStyle;

/// What the request adds to the response.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The request's control number; without it, ISA13 of the 277.
    pub control_number: Option<String>,
    /// The payer ID the request named; without it, 2100A NM109.
    pub trading_partner_service_id: Option<String>,
    /// TRN02 values the 276 sent, to pick the matching patient in a multi-patient 277.
    pub traces: Vec<String>,
    /// `meta` as the gateway fills it.
    pub meta: Option<Meta>,
    /// How STC dates are printed.
    pub dates: DateStyle,
}

/// Why a payer's answer could not be mapped at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// Not readable as X12.
    #[error("the claim status response is not readable X12: {0}")]
    Unreadable(#[from] ParseError),
    /// Readable, but holds no transaction set and no TA1.
    #[error("the claim status response holds no 277 or 999 transaction set and no TA1")]
    NoTransaction,
}

/// Maps the answer for one request: with several patients, the one whose claim trace number
/// (TRN02) echoes the request's, else the first; the others are named in a warning.
pub fn map<'a>(x12: &'a str, ctx: &Context) -> Result<ClaimStatusResponse<'a>, MapError> {
    let mut all = map_all(x12, ctx)?;
    let pick = all
        .iter()
        .position(|r| {
            r.claims.iter().any(|c| {
                c.claim_status
                    .tracking_number
                    .as_deref()
                    .is_some_and(|t| ctx.traces.iter().any(|want| want == t))
            })
        })
        .unwrap_or(0);
    if all.len() > 1 {
        let others = all.len() - 1;
        let mut chosen = all.swap_remove(pick);
        chosen.warnings.push(warning(
            "response::277::multiple_patients",
            format!("The payer's response holds {} patient answers; the one matching the request is returned, {others} other(s) omitted.", others + 1),
        ));
        return Ok(chosen);
    }
    all.pop().ok_or(MapError::NoTransaction)
}

/// Maps every patient answer of every transaction set, in document order (the CLI prints all).
pub fn map_all<'a>(x12: &'a str, ctx: &Context) -> Result<Vec<ClaimStatusResponse<'a>>, MapError> {
    let (reader, guessed) = open_tolerant(x12)?;
    let mut walk = Walk::new(x12, ctx);
    if guessed {
        walk.warn(
            "response::277::isa_delimiters_guessed",
            "The `ISA` does not have 16 elements with usable delimiters; the delimiters were taken from the segments after it.".into(),
        );
    }
    for seg in reader {
        match seg {
            Ok(seg) => walk.segment(&Seg::new(seg)),
            Err(e) => walk.warn(
                "response::277::unreadable_segment",
                format!("A segment was skipped: {e}."),
            ),
        }
    }
    walk.finish_transaction();
    walk.interchange_ack();
    if walk.out.is_empty() {
        return Err(MapError::NoTransaction);
    }
    Ok(walk.out)
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

/// The HL level being read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    Outside,
    Source,
    Receiver,
    Provider,
    Subscriber,
    Dependent,
}

impl Level {
    fn name_loop(self) -> &'static str {
        match self {
            Self::Outside => "Transaction set header",
            Self::Source => "Loop 2100A",
            Self::Receiver => "Loop 2100B",
            Self::Provider => "Loop 2100C",
            Self::Subscriber => "Loop 2100D",
            Self::Dependent => "Loop 2100E",
        }
    }
}

/// Status reported above the patient (2200B, 2200C), and whether a response carried it yet.
#[derive(Default)]
struct UpperErrors<'a> {
    errors: Vec<ErrorDetail<'a>>,
    delivered: bool,
}

/// Upper-level items (2100C names, 2200B/C statuses, AAAs above the patient) kept per level, and
/// warnings kept outside a patient. Each response gets a copy of the upper levels it sits under,
/// so bounding them keeps the cost linear in the document however it is built.
const MAX_UPPER: usize = 10;
/// See [`MAX_UPPER`].
const MAX_PENDING_WARNINGS: usize = 50;

struct Walk<'a, 'c> {
    x12: &'a str,
    ctx: &'c Context,
    out: Vec<ClaimStatusResponse<'a>>,
    isa13: Option<&'a str>,
    /// Warnings outside any patient, copied to the responses they concern.
    pending_warnings: Vec<Warning>,
    st_type: Option<&'a str>,
    st_control: Option<&'a str>,
    st_index: u32,
    /// Index in `out` of the current transaction set's first response.
    tx_start: usize,
    level: Level,
    payer: Option<Payer<'a>>,
    receiver: Option<Provider<'a>>,
    service_providers: Vec<Provider<'a>>,
    receiver_errors: UpperErrors<'a>,
    provider_errors: UpperErrors<'a>,
    /// AAA of 2000A–2100C (not X212, but some payers send it).
    source_errors: Vec<ErrorDetail<'a>>,
    /// The patient being read.
    current: Option<ClaimStatusResponse<'a>>,
    subscriber: Option<Subscriber<'a>>,
    claim: Option<ClaimBuilder<'a>>,
    ack: Option<ack::Ack<'a>>,
    ta1: Option<(
        Option<&'a str>,
        Option<crate::eligibility::model::AaaError<'a>>,
    )>,
}

impl<'a, 'c> Walk<'a, 'c> {
    fn new(x12: &'a str, ctx: &'c Context) -> Self {
        Self {
            x12,
            ctx,
            out: Vec::new(),
            isa13: None,
            pending_warnings: Vec::new(),
            st_type: None,
            st_control: None,
            st_index: 0,
            tx_start: 0,
            level: Level::Outside,
            payer: None,
            receiver: None,
            service_providers: Vec::new(),
            receiver_errors: UpperErrors::default(),
            provider_errors: UpperErrors::default(),
            source_errors: Vec::new(),
            current: None,
            subscriber: None,
            claim: None,
            ack: None,
            ta1: None,
        }
    }

    fn warn(&mut self, code: &str, description: String) {
        self.push_warning(warning(code, description));
    }

    fn push_warning(&mut self, w: Warning) {
        match self.current.as_mut() {
            Some(r) => r.warnings.push(w),
            None if self.pending_warnings.len() < MAX_PENDING_WARNINGS => {
                self.pending_warnings.push(w);
            }
            None => {}
        }
    }

    fn location(&self) -> &'static str {
        match (self.level, self.claim.as_ref()) {
            (Level::Subscriber, Some(c)) if c.in_service() => "Loop 2220D",
            (Level::Subscriber, Some(_)) => "Loop 2200D",
            (Level::Dependent, Some(c)) if c.in_service() => "Loop 2220E",
            (Level::Dependent, Some(_)) => "Loop 2200E",
            (level, _) => level.name_loop(),
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
        self.push_warning(w);
    }

    fn segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "ISA" => {
                self.isa13 = seg.element(13);
                if seg.element(12).is_some_and(|v| v != "00501") {
                    self.warn_at(
                        "response::277::version",
                        "ISA12 is not 00501; the response was mapped as 5010.".into(),
                        seg,
                        12,
                    );
                }
            }
            "GS" => {
                if seg
                    .element(8)
                    .is_some_and(|v| !v.starts_with("005010X212") && !v.starts_with("005010X231"))
                {
                    self.warn_at(
                        "response::277::version",
                        "GS08 is not 005010X212; the response was mapped as 5010.".into(),
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
            _ if self.st_type.is_none() => self.warn_at(
                "response::277::outside_transaction",
                format!(
                    "Segment `{}` outside a transaction set was ignored.",
                    seg.tag
                ),
                seg,
                0,
            ),
            "BHT" => {}
            "HL" => self.hl(seg),
            _ => self.loop_segment(seg),
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
        } else if kind != "277" {
            self.warn_at(
                "response::277::unexpected_transaction",
                "ST01 is not 277; the transaction set was mapped as a 277.".into(),
                seg,
                1,
            );
        } else if seg.element(3).is_some_and(|v| !v.starts_with("005010X212")) {
            self.warn_at(
                "response::277::version",
                "ST03 is not 005010X212; the response was mapped as 5010.".into(),
                seg,
                3,
            );
        }
    }

    fn end_transaction(&mut self, seg: &Seg<'a>) {
        // Warnings about the trailer go to the set's patients, filed before they are finished.
        self.finish_patient();
        let counted = seg.index.saturating_sub(self.st_index) + 1;
        if seg.element(1).and_then(|n| n.parse::<u32>().ok()) != Some(counted) {
            self.warn_at(
                "response::277::se_count",
                format!("SE01 does not match the {counted} segments of the transaction set."),
                seg,
                1,
            );
        }
        if seg.element(2) != self.st_control {
            self.warn_at(
                "response::277::se_control_number",
                "SE02 does not match ST02.".into(),
                seg,
                2,
            );
        }
        self.finish_transaction();
    }

    fn hl(&mut self, seg: &Seg<'a>) {
        match seg.element(3) {
            Some("20") => {
                self.finish_patient();
                self.flush_upper(true, true);
                self.level = Level::Source;
                self.payer = None;
                self.receiver = None;
                self.service_providers.clear();
                self.source_errors.clear();
            }
            Some("21") => {
                self.finish_patient();
                self.flush_upper(true, true);
                self.level = Level::Receiver;
                self.receiver = None;
                self.service_providers.clear();
            }
            Some("19") => {
                self.finish_patient();
                self.flush_upper(false, true);
                self.level = Level::Provider;
                self.service_providers.clear();
            }
            Some("22") => {
                self.finish_patient();
                self.level = Level::Subscriber;
                self.subscriber = None;
                self.current = Some(self.new_response());
            }
            Some("23") => {
                self.level = Level::Dependent;
                let fresh = self
                    .current
                    .as_ref()
                    .is_some_and(|r| r.dependent.is_none() && r.claims.is_empty())
                    && self.claim.is_none();
                if !fresh {
                    // A second patient under the same subscriber gets its own response.
                    self.finish_patient();
                    self.current = Some(self.new_response());
                }
                if self.subscriber.is_none() {
                    self.warn_at(
                        "response::277::dependent_without_subscriber",
                        "A dependent level (HL03 = 23) has no subscriber level above it.".into(),
                        seg,
                        3,
                    );
                }
                if let Some(r) = self.current.as_mut() {
                    r.dependent = Some(Member::default());
                }
            }
            _ => {
                self.warn_at(
                    "response::277::hl_level",
                    "HL03 is not 20, 21, 19, 22 or 23; the level was ignored.".into(),
                    seg,
                    3,
                );
                self.finish_patient();
                self.level = Level::Outside;
            }
        }
    }

    fn new_response(&mut self) -> ClaimStatusResponse<'a> {
        ClaimStatusResponse {
            subscriber: self.subscriber.clone(),
            warnings: std::mem::take(&mut self.pending_warnings),
            ..ClaimStatusResponse::default()
        }
    }

    fn loop_segment(&mut self, seg: &Seg<'a>) {
        if seg.tag == "AAA" {
            self.aaa(seg);
            return;
        }
        match self.level {
            Level::Source => self.source_segment(seg),
            Level::Receiver | Level::Provider => self.upper_segment(seg),
            Level::Subscriber | Level::Dependent => self.patient_segment(seg),
            Level::Outside => self.warn_at(
                "response::277::outside_level",
                format!("Segment `{}` before the first HL was ignored.", seg.tag),
                seg,
                0,
            ),
        }
    }

    fn over_limit(&mut self, seg: &Seg<'a>) {
        self.warn_at(
            "response::277::too_many_upper_items",
            format!("More than {MAX_UPPER} `{}` segments at one level above the patient; the rest were ignored.", seg.tag),
            seg,
            0,
        );
    }

    fn unexpected(&mut self, seg: &Seg<'a>) {
        let at = self.location();
        self.warn_at(
            "response::277::unexpected_segment",
            format!(
                "Segment `{}` is not expected in {} and was ignored.",
                seg.tag,
                at.to_lowercase()
            ),
            seg,
            0,
        );
    }

    fn source_segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "NM1" => {
                let p = self.payer.get_or_insert_with(Payer::default);
                p.organization_name = seg.element(3).map(Cow::Borrowed);
                match seg.element(8) {
                    Some("PI") => p.payer_identification = seg.element(9).map(Cow::Borrowed),
                    Some("XV") => {
                        p.centers_for_medicare_and_medicaid_service_plan_id =
                            seg.element(9).map(Cow::Borrowed);
                    }
                    _ => {}
                }
            }
            "PER" => {
                let p = self.payer.get_or_insert_with(Payer::default);
                let c = p
                    .contact_information
                    .get_or_insert_with(ContactInformation::default);
                if c.name.is_none() {
                    c.name = seg.element(2).map(Cow::Borrowed);
                }
                for (q, v) in [(3, 4), (5, 6), (7, 8)] {
                    let value = seg.element(v).map(Cow::Borrowed);
                    let slot = match seg.element(q) {
                        Some("TE") => &mut c.phone,
                        Some("FX") => &mut c.fax,
                        Some("EM") => &mut c.email,
                        Some("ED") => &mut c.electronic_data_inter_change_access_number,
                        Some("EX") => &mut c.phone_extension,
                        _ => continue,
                    };
                    if slot.is_none() {
                        *slot = value;
                    }
                }
            }
            _ => self.unexpected(seg),
        }
    }

    /// 2100B/2100C names and the 2200B/2200C statuses.
    fn upper_segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "NM1" => {
                let billing = self.level == Level::Receiver;
                let p = provider(seg, billing);
                if billing {
                    self.receiver = Some(p);
                } else if self.service_providers.len() < MAX_UPPER {
                    self.service_providers.push(p);
                } else {
                    self.over_limit(seg);
                }
            }
            "TRN" => {}
            "STC" => {
                let location = if self.level == Level::Receiver {
                    "Loop 2200B"
                } else {
                    "Loop 2200C"
                };
                let e = stc_error(seg, location);
                let errors = if self.level == Level::Receiver {
                    &mut self.receiver_errors
                } else {
                    &mut self.provider_errors
                };
                if errors.errors.len() >= MAX_UPPER {
                    self.over_limit(seg);
                    return;
                }
                errors.errors.push(e);
                errors.delivered = false;
            }
            _ => self.unexpected(seg),
        }
    }

    fn patient_segment(&mut self, seg: &Seg<'a>) {
        match seg.tag {
            "NM1" => self.patient_name(seg),
            "TRN" => {
                self.finish_claim();
                self.claim = Some(ClaimBuilder::new(seg.element(2)));
            }
            "STC" | "REF" | "DTP" | "SVC" | "AMT" | "QTY" => {
                if self.claim.is_none() {
                    self.warn_at(
                        "response::277::claim_without_trn",
                        format!("Segment `{}` came before the claim's `TRN`; it was mapped to a claim without a tracking number.", seg.tag),
                        seg,
                        0,
                    );
                    self.claim = Some(ClaimBuilder::new(None));
                }
                let dates = self.ctx.dates;
                if let Some(c) = self.claim.as_mut()
                    && let Some(note) = c.segment(seg, dates)
                {
                    self.warn_at(note.0, note.1.into(), seg, 0);
                }
            }
            "DMG" => {}
            _ => self.unexpected(seg),
        }
    }

    fn patient_name(&mut self, seg: &Seg<'a>) {
        let last = seg.element(3).map(Cow::Borrowed);
        let first = seg.element(4).map(Cow::Borrowed);
        let suffix = seg.element(7).map(Cow::Borrowed);
        match (self.level, seg.element(1)) {
            (Level::Subscriber, Some("IL")) => {
                let s = Subscriber {
                    member_id: seg.element(9).map(Cow::Borrowed),
                    first_name: first,
                    last_name: last,
                    suffix,
                    ..Subscriber::default()
                };
                if let Some(r) = self.current.as_mut() {
                    r.subscriber = Some(s.clone());
                }
                self.subscriber = Some(s);
            }
            (Level::Dependent, Some("QC")) => {
                if let Some(r) = self.current.as_mut() {
                    r.dependent = Some(Member {
                        first_name: first,
                        last_name: last,
                        suffix,
                        ..Member::default()
                    });
                }
            }
            _ => self.warn_at(
                "response::277::unexpected_entity",
                format!(
                    "NM101 is not the entity {} expects; the name was ignored.",
                    self.location().to_lowercase()
                ),
                seg,
                1,
            ),
        }
    }

    fn aaa(&mut self, seg: &Seg<'a>) {
        use crate::eligibility::codes as elig;
        let code = seg.element(3);
        let e = ErrorDetail {
            field: Some("AAA"),
            value: None,
            code: code.map(Cow::Borrowed),
            description: code
                .and_then(|c| elig::name(elig::REJECT_REASONS, c))
                .map(Cow::Borrowed),
            location: Some(Cow::Borrowed(self.location())),
            followup_action: seg.element(4).map(|a| {
                elig::name(elig::FOLLOWUP_ACTIONS, a).map_or(Cow::Borrowed(a), Cow::Borrowed)
            }),
        };
        match self.current.as_mut() {
            Some(r) if matches!(self.level, Level::Subscriber | Level::Dependent) => {
                r.error_response
                    .get_or_insert_with(ErrorResponse::default)
                    .errors
                    .push(e);
            }
            _ if self.source_errors.len() < MAX_UPPER => self.source_errors.push(e),
            _ => self.over_limit(seg),
        }
    }

    fn finish_claim(&mut self) {
        if let Some(c) = self.claim.take() {
            let (claims, note) = c.finish();
            if let Some(r) = self.current.as_mut() {
                r.claims.extend(claims);
            }
            if let Some(n) = note {
                self.warn(n.0, n.1.into());
            }
        }
    }

    fn finish_patient(&mut self) {
        self.finish_claim();
        if let Some(mut r) = self.current.take() {
            self.complete(&mut r, true);
            self.out.push(r);
        }
    }

    /// A 2200B/2200C status no patient response carried becomes a response of its own.
    fn flush_upper(&mut self, receiver: bool, provider: bool) {
        let pending = (receiver
            && !self.receiver_errors.delivered
            && !self.receiver_errors.errors.is_empty())
            || (provider
                && !self.provider_errors.delivered
                && !self.provider_errors.errors.is_empty());
        if pending {
            let mut r = self.new_response();
            r.subscriber = None;
            self.complete(&mut r, true);
            self.out.push(r);
        }
        if receiver {
            self.receiver_errors = UpperErrors::default();
        }
        if provider {
            self.provider_errors = UpperErrors::default();
        }
    }

    fn complete(&mut self, r: &mut ClaimStatusResponse<'a>, with_providers: bool) {
        r.meta.clone_from(&self.ctx.meta);
        let ctl = self
            .ctx
            .control_number
            .clone()
            .map(Cow::Owned)
            .or(self.isa13.map(Cow::Borrowed));
        r.reassociation_key = self.isa13.map(Cow::Borrowed);
        r.control_number = ctl;
        r.trading_partner_service_id = self
            .ctx
            .trading_partner_service_id
            .clone()
            .map(Cow::Owned)
            .or_else(|| {
                self.payer
                    .as_ref()
                    .and_then(|p| p.payer_identification.clone())
            });
        r.payer.clone_from(&self.payer);
        if with_providers {
            r.providers = self
                .receiver
                .iter()
                .chain(&self.service_providers)
                .cloned()
                .collect();
        }
        let mut upper: Vec<ErrorDetail<'a>> = self.source_errors.clone();
        upper.extend(self.receiver_errors.errors.iter().cloned());
        upper.extend(self.provider_errors.errors.iter().cloned());
        self.receiver_errors.delivered = true;
        self.provider_errors.delivered = true;
        if !upper.is_empty() {
            let er = r.error_response.get_or_insert_with(ErrorResponse::default);
            upper.append(&mut er.errors);
            er.errors = upper;
        }
        if let Some(er) = r.error_response.as_mut()
            && er.code.is_none()
            && let Some(first) = er.errors.first()
        {
            er.code.clone_from(&first.code);
            er.description.clone_from(&first.description);
        }
        if r.error_response.is_some() && r.claims.is_empty() {
            r.status = Some("ERROR");
        }
        r.x12 = Cow::Borrowed(self.x12);
    }

    fn finish_transaction(&mut self) {
        self.finish_patient();
        if self.st_type.is_some() {
            self.flush_upper(true, true);
        }
        if let Some(ack) = self.ack.take() {
            let mut r = self.new_response();
            r.transaction_set_acknowledgement = ack.code.map(Cow::Borrowed);
            r.implementation_transaction_set_syntax_error = ack.syntax_error.map(Cow::Borrowed);
            let errors: Vec<ErrorDetail<'a>> = ack.errors.into_iter().map(from_ack).collect();
            if !errors.is_empty() {
                r.error_response = Some(ErrorResponse {
                    errors,
                    ..ErrorResponse::default()
                });
            }
            r.status = Some("ERROR");
            self.complete(&mut r, false);
            r.status = Some("ERROR");
            self.out.push(r);
        } else if self.st_type.is_some() && self.out.len() == self.tx_start {
            let mut r = self.new_response();
            r.warnings.push(warning(
                "response::277::no_patient",
                "The 277 holds no subscriber or dependent level; only the payer and providers were mapped.".into(),
            ));
            self.complete(&mut r, true);
            self.out.push(r);
        }
        let rest = std::mem::take(&mut self.pending_warnings);
        if !rest.is_empty() {
            for r in self.out.iter_mut().skip(self.tx_start) {
                r.warnings.extend(rest.iter().cloned());
            }
        }
        self.tx_start = self.out.len();
        self.st_type = None;
        self.level = Level::Outside;
        self.payer = None;
        self.receiver = None;
        self.service_providers.clear();
        self.source_errors.clear();
        self.subscriber = None;
    }

    /// A TA1 alone answers the request; beside transaction sets, a rejecting TA1 adds a warning.
    fn interchange_ack(&mut self) {
        let Some((code, error)) = self.ta1.take() else {
            return;
        };
        if self.out.is_empty() {
            let mut r = self.new_response();
            r.transaction_set_acknowledgement = code.map(Cow::Borrowed);
            if let Some(e) = error {
                r.error_response = Some(ErrorResponse {
                    errors: vec![from_ack(e)],
                    ..ErrorResponse::default()
                });
            }
            self.complete(&mut r, false);
            r.status = Some("ERROR");
            self.out.push(r);
        } else if code.is_some_and(|c| c != "A") {
            for r in &mut self.out {
                r.warnings.push(warning(
                    "response::277::interchange_acknowledgement",
                    "The interchange carries a TA1 that does not accept the 276's envelope; the transaction sets were mapped.".into(),
                ));
            }
        }
    }
}

/// A 2100B (`BillingProvider`) or 2100C (`ServiceProvider`) name.
fn provider<'a>(seg: &Seg<'a>, billing: bool) -> Provider<'a> {
    let mut p = Provider {
        provider_type: if billing {
            "BillingProvider"
        } else {
            "ServiceProvider"
        },
        ..Provider::default()
    };
    let name = seg.element(3).map(Cow::Borrowed);
    if seg.element(2) == Some("1") {
        p.last_name = name;
        p.first_name = seg.element(4).map(Cow::Borrowed);
    } else {
        p.organization_name = name;
    }
    let id = seg.element(9).map(Cow::Borrowed);
    match seg.element(8) {
        Some("XX") => p.npi = id,
        Some("SV") => p.spn = id,
        Some("46") => p.etin = id,
        Some("FI") if billing => p.tax_id = id,
        Some("FI") => p.tin = id,
        _ => {}
    }
    p
}

/// A 2200B/2200C STC as an error: the category is the code, the status names the reason.
fn stc_error<'a>(seg: &Seg<'a>, location: &'static str) -> ErrorDetail<'a> {
    let codes = stc::status_codes(seg, DateStyle::Compact);
    let category = codes.status_category_code.clone();
    let mut description = String::new();
    for part in [
        codes.status_category_code_value,
        codes.status_code_value,
        codes.entity,
    ]
    .into_iter()
    .flatten()
    {
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(part);
        if !part.ends_with('.') {
            description.push('.');
        }
    }
    ErrorDetail {
        field: Some("STC01"),
        value: seg.element(1).map(Cow::Borrowed),
        code: category.clone(),
        description: (!description.is_empty()).then_some(Cow::Owned(description)),
        location: Some(Cow::Borrowed(location)),
        followup_action: category
            .as_deref()
            .and_then(stc::followup)
            .map(Cow::Borrowed),
    }
}

fn from_ack(e: crate::eligibility::model::AaaError<'_>) -> ErrorDetail<'_> {
    ErrorDetail {
        field: Some(e.field),
        value: None,
        code: e.code,
        description: e.description.map(Cow::Borrowed),
        location: e.location,
        followup_action: e.followup_action,
    }
}

#[cfg(test)]
mod tests;
