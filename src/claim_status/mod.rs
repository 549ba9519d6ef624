//! Claim status (276/277) semantics on top of the X12 reader: the code lists, Change's `Response`
//! model, what a 276 asks, and a payer's 277 mapped into the model.

pub mod codes;
pub mod inquiry;
pub mod map277;
pub mod model;
pub mod validate;

pub use inquiry::StatusInquiry;
pub use model::ClaimStatusResponse;
