//! Eligibility semantics on top of the X12 reader: the 270 read into a typed inquiry (with its
//! problems reported all at once), and a payer's 271 mapped into the anchors' JSON.

pub mod codes;
pub mod inquiry;
pub mod issue;
pub mod map271;
pub mod model;
pub mod request;
pub mod validate;

pub use inquiry::Inquiry;
pub use issue::{Issue, Rejected};
