//! One test binary: every file under tests/api is a module of it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

mod caqh;
mod claim_status;
mod claim_status_build;
mod cli;
mod cluster_limits;
mod connectors;
mod core_mime;
mod deadlines;
mod demo_account;
mod errors;
mod fakes;
mod faults;
mod fixtures271;
mod fixtures277;
mod gated;
mod helpers;
mod hostile;
mod json_build;
mod json_endpoint;
mod limits;
mod map271_anchor;
mod map271_props;
mod map271_snapshots;
mod map277_anchor;
mod map277_props;
mod map277_snapshots;
mod metrics;
mod oauth;
mod openapi;
mod operations;
mod packaging;
mod payer_resilience;
mod phi_logs;
mod postgres;
mod postgres_tls;
mod raw_x12;
mod readme;
mod redis_cluster;
mod redis_server;
mod search_options;
mod shared_limits;
mod shutdown;
mod store;
mod throttle;
mod tls_fakes;
mod tls_payers;
mod validation;
mod value_add;
