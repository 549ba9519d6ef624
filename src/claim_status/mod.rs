//! Claim status (276/277) semantics on top of the X12 reader: the 276 built from JSON, checked
//! and repaired, what it asks, the code lists, Change's `Response` model and a payer's 277 mapped
//! into it.

pub mod codes;
pub mod inquiry;
pub mod map277;
pub mod model;
pub mod request;
pub mod validate;

pub use inquiry::StatusInquiry;
pub use model::ClaimStatusResponse;
