//! What the JSON request paths of every transaction (eligibility, claim status) share before a
//! request becomes X12: lenient fields, JSON paths, problems and the field rules that find them,
//! the anchors' conventions, control numbers and the interchange envelope.

mod checker;
mod control;
mod field;
pub mod interchange;
mod path;

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::x12::check::Warning;

pub use checker::{Checker, MAX_PROBLEMS, Problem, is_amount, npi_check_digit_ok};
pub use control::next_control_number;
pub use field::{Field, List, Obj, Text, items, obj, val};
pub use path::Path;

/// Change's sandbox NPI (its bare-minimum examples, accepted by Change's sandbox) fails the check
/// digit; it is let through so Change's own examples work unchanged.
pub const CHANGE_SANDBOX_NPI: &str = "0123456789";

/// Whose request rules apply, and whose error shape answers: the path the client called. Each
/// transaction's checker says where the two differ (claim status: `taxId`, `gender`, `npi`,
/// service lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Change: `controlNumber` must be exactly 9 digits when sent.
    Change,
    /// Stedi: `controlNumber` is deprecated (2025-09-15) and ignored; one that is not 9 digits
    /// (Hike sends ~25 characters) is replaced by a generated one, with a warning.
    Stedi,
}

/// Why a body gives no X12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not JSON, or not an object.
    NotAnObject(NotAnObject),
    /// A request with problems.
    Invalid(Vec<Problem>),
}

/// The body is not JSON (`line` > 0: where it stopped parsing) or not an object (`line` 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnObject {
    /// 1-based line of the syntax error; 0 when the JSON is valid but not an object.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// Reads a body into a request model whose fields are all optional and lenient (so any object
/// deserialises); refused when it is not a JSON object.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, NotAnObject> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| NotAnObject {
        line: e.line(),
        column: e.column(),
    })?;
    if !value.is_object() {
        return Err(NotAnObject { line: 0, column: 0 });
    }
    T::deserialize(value).map_err(|_| NotAnObject { line: 0, column: 0 })
}

/// X12 built from a JSON request, and what the caller should know about how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The interchange.
    pub x12: String,
    /// What was not sent as given (a replaced control number, an ignored field).
    pub warnings: Vec<Warning>,
}

/// ISA13: exactly nine digits.
pub fn is_control_number(c: &str) -> bool {
    c.len() == 9 && c.bytes().all(|b| b.is_ascii_digit())
}

/// Stedi's path deprecated `controlNumber`: one that is not 9 digits is dropped (a generated
/// one takes its place) with a warning saying so; Change's path checks it instead.
pub fn replace_bad_control_number(
    dialect: Dialect,
    control_number: &mut Text,
    warnings: &mut Vec<Warning>,
) {
    if dialect == Dialect::Stedi
        && control_number.is_some()
        && !val(control_number).is_some_and(is_control_number)
    {
        *control_number = None;
        warnings.push(note(
            "request::json::control_number_replaced",
            "controlNumber is not 9 digits; it is deprecated on this path and was replaced by a generated one (echoed in controlNumber)."
                .to_owned(),
            "Interchange envelope",
        ));
    }
}

/// A warning about how the request was sent.
pub fn note(code: &str, description: String, location: &str) -> Warning {
    Warning {
        code: code.to_owned(),
        description,
        location: Some(location.to_owned()),
        segment: None,
        segment_position: None,
        element: None,
    }
}

/// The interchange envelope and trace originator the gateway writes (from configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// ISA05.
    pub sender_qualifier: String,
    /// ISA06.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08.
    pub receiver_id: String,
    /// GS02.
    pub application_sender: String,
    /// GS03.
    pub application_receiver: String,
    /// ISA15: `P` or `T`.
    pub usage: String,
    /// TRN03: ten characters naming who made the trace number.
    pub trace_originator: String,
    /// Payer names by payer ID (NM103 of 2100A when the request names none).
    pub payer_names: BTreeMap<String, String>,
}

impl Envelope {
    /// 2100A NM103: the request's payer name, else the configured name for `payer_id`, else
    /// `Unknown` (what Change sends).
    pub fn payer_name<'a>(&'a self, given: Option<&'a str>, payer_id: &str) -> &'a str {
        given
            .or_else(|| {
                self.payer_names
                    .iter()
                    .find(|(id, _)| id.eq_ignore_ascii_case(payer_id))
                    .map(|(_, n)| n.as_str())
            })
            .unwrap_or("Unknown")
    }
}
