//! Eligibility semantics on top of the X12 reader: the 270 checked and repaired (every problem
//! reported at once) and the accepted text read into a typed inquiry, and a payer's 271 mapped
//! into the anchors' JSON.

pub mod codes;
pub mod inquiry;
pub mod issue;
pub mod map271;
pub mod model;
pub mod request;
pub mod status;
pub mod validate;
pub mod value_add;

pub use inquiry::Inquiry;
pub use issue::{Issue, Rejected};
