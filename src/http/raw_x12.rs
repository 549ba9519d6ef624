//! `POST …/raw-x12`: reads `{"x12": …}` and hands the 270 to the shared eligibility flow.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;

use super::AppState;
use super::auth::Caller;
use super::body::RawX12Request;
use super::eligibility;
use super::error::ApiError;
use super::request_id::TraceId;

pub async fn handle(
    State(state): State<Arc<AppState>>,
    trace_id: TraceId,
    caller: Caller,
    body: RawX12Request,
) -> Result<Response, ApiError> {
    eligibility::answer(&state, trace_id, &caller, body.x12).await
}
