//! eligibility-gateway: a self-hostable, Change Healthcare-compatible real-time eligibility API.
//!
//! Data flows one way: [`http`] receives a raw X12 270, [`eligibility`] reads and checks it,
//! [`limit`] takes a per-account slot, [`payer`] sends it to a connector, and [`eligibility`] maps
//! the 271 into the anchors' JSON. [`x12`] is the parser underneath, with no HTTP in it.

#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

pub mod app;
pub mod claim_status;
pub mod cli;
pub mod config;
pub mod eligibility;
pub mod http;
pub mod json_request;
pub mod limit;
pub mod payer;
pub mod store;
pub mod telemetry;
pub mod x12;
