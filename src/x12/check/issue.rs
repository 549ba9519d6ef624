//! Problems found in a request's X12, in the anchors' error shape (Stedi's parse-error 400) with
//! our extensions: the exact place (loop, segment, element, component, byte) and a rule
//! identifier; and the warnings that report repairs. Descriptions name elements, never their
//! values: a value may be a member ID, a name or a birth date.

use serde::Serialize;

use crate::x12::ParseError;

/// The AAA-style code Stedi uses for every parse or validation error of a raw 270 or 276.
pub const PARSE_ERROR_CODE: &str = "71";
/// AAA04 "C" as the anchors print it.
pub const CORRECT_AND_RESUBMIT: &str = "Please Correct and Resubmit";

/// One problem in a request's X12.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// `"71"`, as Stedi answers parse errors.
    pub code: &'static str,
    /// What is wrong, without PHI.
    pub description: String,
    /// Always "Please Correct and Resubmit": only the sender can fix these.
    pub followup_action: &'static str,
    /// The loop ("Loop 2100C") or envelope part ("Interchange envelope").
    pub location: String,
    /// What to do about it.
    pub possible_resolutions: String,
    /// Stable identifier of the rule that failed, e.g. `element_too_long`.
    pub rule: &'static str,
    /// The X12 element reference, e.g. `NM109`, or the segment ID alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Segment ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// Position of the segment in its transaction set (ST = 1), or in the interchange (ISA = 1)
    /// for envelope segments outside a transaction set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_position: Option<u32>,
    /// The transaction set (1-based), when the interchange holds several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<u32>,
    /// Element position, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<u8>,
    /// Component position inside a composite, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<u8>,
    /// Repetition, 1-based, for repeated elements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition: Option<u16>,
    /// Byte offset in the request's `x12` string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<usize>,
    /// The matching 999 code: IK304 for segments, IK403 for elements, IK5/TA1 for envelopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x12_error_code: Option<&'static str>,
}

impl Issue {
    /// A new issue at `location`, to be narrowed with the builder methods.
    pub fn new(
        rule: &'static str,
        location: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            code: PARSE_ERROR_CODE,
            description: description.into(),
            followup_action: CORRECT_AND_RESUBMIT,
            location: location.into(),
            possible_resolutions: String::new(),
            rule,
            field: None,
            segment: None,
            segment_position: None,
            transaction: None,
            element: None,
            component: None,
            repetition: None,
            byte_offset: None,
            x12_error_code: None,
        }
    }

    /// Sets the segment ID and its position.
    #[must_use]
    pub fn at_segment(mut self, tag: &str, position: u32, offset: usize) -> Self {
        self.segment = Some(tag.to_owned());
        self.field.get_or_insert_with(|| tag.to_owned());
        self.segment_position = Some(position);
        self.byte_offset = Some(offset);
        self
    }

    /// Narrows to element `n` (and names the field, e.g. `NM109`).
    #[must_use]
    pub fn at_element(mut self, n: usize, offset: usize) -> Self {
        let n8 = u8::try_from(n).unwrap_or(u8::MAX);
        self.element = Some(n8);
        if let Some(tag) = &self.segment {
            self.field = Some(format!("{tag}{n:02}"));
        }
        self.byte_offset = Some(offset);
        self
    }

    /// Narrows to component `k` of the element.
    #[must_use]
    pub fn at_component(mut self, k: usize) -> Self {
        self.component = Some(u8::try_from(k).unwrap_or(u8::MAX));
        if let (Some(f), Some(_)) = (&mut self.field, self.element) {
            f.push('-');
            f.push_str(&k.to_string());
        }
        self
    }

    /// Sets the advice.
    #[must_use]
    pub fn resolution(mut self, text: impl Into<String>) -> Self {
        self.possible_resolutions = text.into();
        self
    }

    /// Sets the 999/TA1 code.
    #[must_use]
    pub fn x12_code(mut self, code: &'static str) -> Self {
        self.x12_error_code = Some(code);
        self
    }

    /// An issue for input the reader could not cut into segments; `name` names the transaction
    /// expected ("005010X279A1 270").
    pub fn from_parse(e: &ParseError, name: &str) -> Self {
        let (rule, code) = match e {
            ParseError::Empty { .. } => ("empty_input", "023"),
            ParseError::NoIsa { .. } => ("isa_missing", "022"),
            ParseError::ShortIsa => ("isa_malformed", "022"),
            ParseError::BadDelimiter { .. } | ParseError::DelimiterClash { .. } => {
                ("bad_delimiter", "026")
            }
            ParseError::BadTag { .. } => ("bad_segment_id", "1"),
            ParseError::Unterminated { .. } => ("segment_unterminated", "023"),
        };
        let mut issue = Issue::new(rule, "Interchange envelope", format!("The X12 could not be read: {e}."))
            .resolution(match e {
                ParseError::Empty { .. } => format!("Send a complete {name} interchange in the `x12` field."),
                ParseError::NoIsa { .. } | ParseError::ShortIsa => {
                    "Start the interchange with a complete ISA segment: 16 elements, 106 characters with its terminator.".to_owned()
                }
                ParseError::BadDelimiter { .. } | ParseError::DelimiterClash { .. } => {
                    "Use `*` as element separator, `^` as repetition separator, `:` as component separator and `~` as segment terminator.".to_owned()
                }
                ParseError::BadTag { .. } => "Each segment must start with its 2- or 3-character ID; remove empty or stray segments.".to_owned(),
                ParseError::Unterminated { .. } => "End every segment, the last IEA too, with the segment terminator.".to_owned(),
            })
            .x12_code(code);
        if let Some(p) = e.position() {
            issue.segment_position = Some(p.segment);
            issue.byte_offset = Some(p.offset);
        }
        issue
    }
}

/// A non-fatal notice: a tolerated oddity in a payer's answer or a repair made to the request.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Warning {
    /// Stable machine-readable code, e.g. `request::270::se01_recounted`.
    pub code: String,
    /// What happened, without PHI.
    pub description: String,
    /// Loop, when known ("Loop 2100C").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Segment ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// Segment position in the transaction set (ST = 1), or in the interchange for envelope segments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_position: Option<u32>,
    /// Element position (1-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<u8>,
}
