//! `POST …/raw-x12`: reads `{"x12": …}` and hands the 270 to the shared eligibility flow.

use std::sync::Arc;

use axum::extract::{MatchedPath, State};
use axum::response::Response;

use super::AppState;
use super::auth::Caller;
use super::body::RawX12Request;
use super::eligibility;
use super::error::ApiError;
use super::request_id::TraceId;
use super::transaction::{Capture, ExchangeHeaders};

pub async fn handle(
    State(state): State<Arc<AppState>>,
    route: MatchedPath,
    trace_id: TraceId,
    headers: ExchangeHeaders,
    caller: Caller,
    body: Result<RawX12Request, ApiError>,
) -> Response {
    let route = route_name(route.as_str());
    let mut cap = match Capture::begin(&state, route, headers) {
        Ok(c) => c,
        Err(refused) => {
            let (cap, e) = *refused;
            return cap.finish(&state, &caller, Err(e));
        }
    };
    let result = match body {
        Ok(body) => {
            eligibility::answer_noting(&state, trace_id, &caller, body.x12, Vec::new(), &mut cap)
                .await
        }
        Err(e) => Err(e),
    };
    cap.finish(&state, &caller, result)
}

/// The route template as a `'static` name (records keep it).
pub fn route_name(route: &str) -> &'static str {
    super::RAW_X12_PATHS
        .into_iter()
        .chain(super::JSON_CHANGE_PATHS)
        .chain([super::JSON_STEDI_PATH])
        .chain(super::enhanced::POST_PATHS)
        .find(|p| *p == route)
        .unwrap_or("other")
}
