//! Optum's Enhanced Eligibility API v1 (`/rcm/eligibility/v1…`) on the transaction store: the two
//! real-time POSTs answer the canonical `Transaction`, the transactions search and fetch read the
//! caller's own account only, errors are Optum's `Error` (an array of `"<Category> - <message>"`).

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::AppState;
use super::auth::Caller;
use super::body::{BodyBytes, RawX12Request};
use super::eligibility;
use super::error::ApiError;
use super::request_id::TraceId;
use super::transaction::{self, Capture, ExchangeHeaders};
use crate::eligibility::inquiry::{self, Inquiry};
use crate::eligibility::request::Dialect;
use crate::eligibility::status::Status;
use crate::store::{self, Order, Query};

/// `POST /rcm/eligibility/v1`.
pub const JSON_PATH: &str = "/rcm/eligibility/v1";
/// `POST /rcm/eligibility/v1/real-time/x12`.
pub const X12_PATH: &str = "/rcm/eligibility/v1/real-time/x12";
/// The POSTs, which record transactions.
pub const POST_PATHS: [&str; 2] = [JSON_PATH, X12_PATH];
/// The search.
pub const TRANSACTIONS_PATH: &str = "/rcm/eligibility/v1/transactions";
/// One transaction.
pub const TRANSACTION_PATH: &str = "/rcm/eligibility/v1/transactions/{id}";
/// Health.
pub const HEALTH_PATH: &str = "/rcm/eligibility/v1/healthcheck";

/// Adds the v1 routes (they take a credential, so before the throttle layer).
pub fn routes(r: Router<Arc<AppState>>) -> Router<Arc<AppState>> {
    r.route(JSON_PATH, post(post_json))
        .route(X12_PATH, post(post_x12))
        .route(TRANSACTIONS_PATH, get(search))
        .route(TRANSACTION_PATH, get(fetch))
        .route(HEALTH_PATH, get(healthcheck))
}

/// Optum's `Error` body: `"<Category> - <message>"` strings.
fn error(status: StatusCode, messages: &[String]) -> Response {
    let category = match status.as_u16() {
        400 | 413 | 422 => "Failed Precondition",
        401 => "Unauthenticated",
        403 => "Permission Denied",
        404 => "Not Found",
        408 | 504 => "Deadline Exceeded",
        429 => "Resource Exhausted",
        502 | 503 => "Unavailable",
        _ => "Internal",
    };
    let body: Vec<String> = messages
        .iter()
        .map(|m| format!("{category} - {m}"))
        .collect();
    (status, axum::Json(body)).into_response()
}

/// The caller of a v1 route. A refused credential answers in Optum's v1 shapes, not Change's:
/// 401 is `PermissionDeniedError` (`{error, error_description, traceId}`), anything else the
/// `Error` array (the gateway has no 403 of its own: an unknown key is a 401).
pub struct V1Caller(pub Caller);

impl axum::extract::FromRequestParts<Arc<AppState>> for V1Caller {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let refused = match Caller::from_request_parts(parts, state).await {
            Ok(caller) => return Ok(Self(caller)),
            Err(e) => e,
        };
        let TraceId(trace) = match TraceId::from_request_parts(parts, state).await {
            Ok(t) => t,
            Err(never) => match never {},
        };
        let ApiError::Unauthorized(why) = refused else {
            let (status, msgs) = messages(&refused);
            return Err(error(status, &msgs));
        };
        let code = if parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION)
        {
            "invalid_token"
        } else {
            "invalid_request"
        };
        // The anchor's headers (WWW-Authenticate) stay; only the body takes Optum's shape.
        let (mut head, _) = refused.into_response().into_parts();
        head.headers.remove(axum::http::header::CONTENT_LENGTH);
        let body = json!({ "error": code, "error_description": why, "traceId": trace });
        Err(Response::from_parts(
            head,
            axum::body::Body::from(body.to_string()),
        ))
    }
}

/// The messages of a gateway error, from its anchor-shaped body.
fn messages(e: &ApiError) -> (StatusCode, Vec<String>) {
    let (status, body) = e.status_and_body();
    if status.is_server_error() && matches!(e, ApiError::Internal(_)) {
        return (status, vec!["An unknown error occurred".into()]);
    }
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut out = Vec::new();
    for list in ["errors", "fieldList"] {
        for item in body
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let what = text(item, "description")
                .or_else(|| text(item, "message"))
                .unwrap_or_default();
            let at = text(item, "location")
                .or_else(|| text(item, "field"))
                .or_else(|| text(item, "path"));
            out.push(match at {
                Some(at) if !what.is_empty() => format!("{what} ({at})"),
                _ => what,
            });
        }
    }
    if out.is_empty() {
        out.push(text(&body, "message").unwrap_or_else(|| e.to_string()));
    }
    (status, out)
}

fn set(res: &mut Response, name: &'static str, value: Option<&str>) {
    if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
        res.headers_mut().insert(name, v);
    }
}

/// The `x-optum-*` headers every v1 answer carries.
fn optum_headers(
    res: &mut Response,
    account: &str,
    headers: &ExchangeHeaders,
    trace: &TraceId,
    post: bool,
) {
    set(res, "x-optum-tenant-id", Some(account));
    set(
        res,
        transaction::CORRELATION,
        headers.optum_correlation.as_deref(),
    );
    set(res, "x-optum-trace-id", trace.0.as_deref());
    if post {
        set(res, transaction::SUBTENANT, headers.subtenant.as_deref());
    }
}

async fn post_json(
    State(state): State<Arc<AppState>>,
    trace: TraceId,
    headers: ExchangeHeaders,
    V1Caller(caller): V1Caller,
    body: Result<BodyBytes, ApiError>,
) -> Response {
    let built = body.and_then(|BodyBytes(bytes)| to_270(&state, &bytes));
    real_time(&state, JSON_PATH, trace, headers, &caller, built).await
}

async fn post_x12(
    State(state): State<Arc<AppState>>,
    trace: TraceId,
    headers: ExchangeHeaders,
    V1Caller(caller): V1Caller,
    body: Result<RawX12Request, ApiError>,
) -> Response {
    let sent = body.map(|b| (b.x12, Vec::new()));
    real_time(&state, X12_PATH, trace, headers, &caller, sent).await
}

/// An `EligibilityRequest`: like v3's, but `encounter` is required and `controlNumber` optional
/// (one is made when absent).
fn to_270(
    state: &AppState,
    bytes: &[u8],
) -> Result<(String, Vec<crate::eligibility::model::Warning>), ApiError> {
    let mut body: Map<String, Value> = match serde_json::from_slice(bytes) {
        Ok(Value::Object(m)) => m,
        _ => {
            return super::json::to_270(bytes, &state.envelope, Dialect::Change)
                .map(|b| (b.x12, b.warnings));
        }
    };
    if !body.contains_key("encounter") {
        return Err(ApiError::BadBody {
            message: "Field 'encounter' is required (with encounter.dateOfService).".into(),
            path: Some("encounter"),
        });
    }
    if !body.contains_key("controlNumber") {
        let n = fastrand::u32(100_000_000..=999_999_999);
        body.insert("controlNumber".into(), Value::String(n.to_string()));
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::Internal(e.to_string()))?;
    super::json::to_270(&bytes, &state.envelope, Dialect::Change).map(|b| (b.x12, b.warnings))
}

async fn real_time(
    state: &AppState,
    route: &'static str,
    trace: TraceId,
    headers: ExchangeHeaders,
    caller: &Caller,
    sent: Result<(String, Vec<crate::eligibility::model::Warning>), ApiError>,
) -> Response {
    let echo = headers.clone();
    let (cap, result) = match Capture::begin(state, route, headers) {
        Err(refused) => {
            let (cap, e) = *refused;
            (cap, Err(e))
        }
        Ok(mut cap) => {
            let result = match sent {
                Ok((x12, notes)) => {
                    eligibility::exchange(state, trace.clone(), caller, x12, notes, &mut cap).await
                }
                Err(e) => Err(e),
            };
            (cap, result)
        }
    };
    let (id, mut res) = match result {
        Ok(body) => {
            let status = cap.status_271();
            let t = cap.conclude(caller, status, 200, Vec::new());
            let v3 = serde_json::from_slice::<Value>(&body)
                .ok()
                .filter(Value::is_object);
            let res = (
                StatusCode::OK,
                axum::Json(render_with(&t.transaction, v3.as_ref(), None)),
            )
                .into_response();
            (transaction::keep(state, t), res)
        }
        Err(e) => {
            let status = transaction::status_of(&e);
            let payer_fault =
                status != Status::ProcessingError || matches!(e, ApiError::BadPayerResponse { .. });
            let (code, msgs) = messages(&e);
            if payer_fault {
                // The payer's side failed: still a transaction, as Optum answers it.
                let t = cap.conclude(caller, status, 200, msgs);
                let res = (StatusCode::OK, axum::Json(render(&t.transaction))).into_response();
                (transaction::keep(state, t), res)
            } else {
                let res = error(code, &msgs);
                let t = cap.conclude(caller, status, code.as_u16(), msgs);
                (transaction::keep(state, t), res)
            }
        }
    };
    set(&mut res, transaction::HEADER, Some(&id));
    optum_headers(&mut res, &caller.account, &echo, &trace, true);
    res
}

/// Unix ms as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(ms: i64) -> String {
    crate::x12::date::Stamp::rfc3339(ms.div_euclid(1000))
}

/// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` as Unix ms.
#[allow(clippy::many_single_char_names, reason = "the calendar's own letters")]
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let num = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    let bytes = s.as_bytes();
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || h > 23
        || mi > 59
        || sec > 60
    {
        return None;
    }
    let mut rest = s.get(19..)?;
    let mut millis = 0;
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        let (f, tail) = frac.split_at(digits);
        millis = f.get(..f.len().min(3))?.parse::<i64>().ok().map_or(0, |v| {
            v * 10_i64.pow(u32::try_from(3 - f.len().min(3)).unwrap_or(0))
        });
        rest = tail;
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let oh = rest.get(1..3)?.parse::<i64>().ok()?;
            let om = rest.get(4..6)?.parse::<i64>().ok()?;
            if rest.len() != 6 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    // days_from_civil.
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if mo > 2 { mo - 3 } else { mo + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60 + sec - offset) * 1000 + millis)
}

fn nonempty(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}

fn person_json(p: &store::Person, v3: Option<&Value>) -> Value {
    let from = |k: &str| v3.and_then(|m| m.get(k)).and_then(Value::as_str);
    let mut out = Map::new();
    let mut put = |k: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.insert(k.into(), Value::String(v.to_owned()));
        }
    };
    put(
        "firstName",
        from("firstName").or(nonempty(p.first_name.as_ref())),
    );
    put(
        "middleName",
        from("middleName").or(nonempty(p.middle_name.as_ref())),
    );
    put(
        "lastName",
        from("lastName").or(nonempty(p.last_name.as_ref())),
    );
    put(
        "memberId",
        from("memberId").or(nonempty(p.member_id.as_ref())),
    );
    put("gender", from("gender").or(nonempty(p.gender.as_ref())));
    let dob = from("dateOfBirth").map(|d| match (d.get(..4), d.get(4..6), d.get(6..)) {
        (Some(y), Some(m), Some(day)) if d.len() == 8 => format!("{y}-{m}-{day}"),
        _ => d.to_owned(),
    });
    put(
        "dateOfBirth",
        dob.as_deref().or(nonempty(p.birth_date.as_ref())),
    );
    let relationship = from("relationToSubscriber").map(str::to_ascii_lowercase);
    put("relationship", relationship.as_deref());
    if let Some(a) = v3.and_then(|m| m.get("address")) {
        let line = |k: &str| a.get(k).and_then(Value::as_str);
        let lines: Vec<&str> = ["address1", "address2"]
            .into_iter()
            .filter_map(line)
            .collect();
        let mut addr = Map::new();
        if !lines.is_empty() {
            addr.insert("lines".into(), json!(lines));
        }
        for (from_key, to_key) in [("city", "city"), ("state", "state"), ("postalCode", "zip")] {
            if let Some(v) = line(from_key) {
                addr.insert(to_key.into(), json!(v));
            }
        }
        if !addr.is_empty() {
            out.insert("address".into(), Value::Object(addr));
        }
    }
    Value::Object(out)
}

/// Optum's `payer` contact fields from the 271's 2100A PER (as the v3 JSON carries it).
fn payer_contacts(payer: &mut Map<String, Value>, contact: &Value) {
    if let Some(n) = contact.get("name").and_then(Value::as_str) {
        payer.insert("contactName".into(), json!(n));
    }
    for c in contact
        .get("contacts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let field = match c.get("communicationMode").and_then(Value::as_str) {
            Some("Telephone" | "Work Phone Number") => "phone",
            Some("Telephone Extension") => "contactExtension",
            Some("Electronic Mail") => "email",
            Some("Facsimile") => "fax",
            Some("Uniform Resource Locator (URL)") => "url",
            _ => continue,
        };
        if let Some(n) = c.get("communicationNumber").and_then(Value::as_str) {
            payer.entry(field).or_insert_with(|| json!(n));
        }
    }
}

/// `YYYY-MM-DD` of a 271 `CCYYMMDD`.
fn iso(d: &str) -> Option<String> {
    match (d.get(..4), d.get(4..6), d.get(6..8)) {
        (Some(y), Some(m), Some(day)) if d.len() == 8 => Some(format!("{y}-{m}-{day}")),
        _ => None,
    }
}

/// Optum's `plan` from the subscriber's plan REFs and the plan dates (DTP*291/346) of the 271.
fn plan_json(v3: &Value) -> Map<String, Value> {
    let info = |k: &str| {
        v3.pointer(&format!("/planInformation/{k}"))
            .or_else(|| v3.pointer(&format!("/subscriber/{k}")))
            .and_then(Value::as_str)
    };
    let mut plan = Map::new();
    if let Some(n) = info("planNumber") {
        plan.insert("number".into(), json!(n));
    }
    if let Some(d) = info("planDescription") {
        plan.insert("name".into(), json!(d));
    }
    let mut group = Map::new();
    if let Some(n) = info("groupNumber") {
        plan.insert("groupOrPolicyNumber".into(), json!(n));
        group.insert("number".into(), json!(n));
    }
    if let Some(d) = info("groupDescription") {
        group.insert("name".into(), json!(d));
    }
    if !group.is_empty() {
        plan.insert("group".into(), Value::Object(group));
    }
    let date = |k: &str| {
        v3.pointer(&format!("/planDateInformation/{k}"))
            .and_then(Value::as_str)
    };
    if let Some(range) = date("plan").or_else(|| date("eligibility")) {
        let (begin, end) = range.split_once('-').unwrap_or((range, ""));
        if let Some(b) = iso(begin) {
            plan.insert("beginDate".into(), json!(b));
        }
        if let Some(e) = iso(end) {
            plan.insert("endDate".into(), json!(e));
        }
    }
    if let Some(b) = date("planBegin").and_then(iso) {
        plan.insert("planBeginDate".into(), json!(b));
    }
    if let Some(e) = date("premiumPaidToDateEnd").and_then(iso) {
        plan.insert("subscriberPremiumPaidEndDate".into(), json!(e));
    }
    plan
}

fn benefits(v3: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for b in v3
        .get("benefitsInformation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let s = |k: &str| b.get(k).and_then(Value::as_str);
        let services: Vec<&str> = b
            .get("serviceTypes")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let (value, kind) = if let Some(v) = s("benefitAmount") {
            (Some(v), "monetary")
        } else if let Some(v) = s("benefitPercent") {
            (Some(v), "percent")
        } else if let Some(v) = s("benefitQuantity") {
            (Some(v), "number")
        } else {
            (None, "string")
        };
        let services = if services.is_empty() {
            vec![""]
        } else {
            services
        };
        for service in services {
            let mut item = Map::new();
            if !service.is_empty() {
                item.insert("service".into(), json!(service));
            }
            item.insert(
                "scope".into(),
                json!(if service.is_empty() {
                    "common"
                } else {
                    "service"
                }),
            );
            if let Some(n) = s("name") {
                item.insert("name".into(), json!(n));
            }
            if let Some(v) = value {
                item.insert("value".into(), json!(v));
            }
            item.insert("type".into(), json!(kind));
            match s("inPlanNetworkIndicatorCode") {
                Some("Y") => {
                    item.insert("networkClass".into(), json!("inNetwork"));
                }
                Some("N") => {
                    item.insert("networkClass".into(), json!("outNetwork"));
                }
                _ => {}
            }
            match s("coverageLevelCode") {
                Some("IND") => {
                    item.insert("benefitType".into(), json!("individual"));
                }
                Some("FAM") => {
                    item.insert("benefitType".into(), json!("family"));
                }
                _ => {}
            }
            if let Some(c) = s("code") {
                item.insert("benefitQualifier".into(), json!(format!("EB01={c}")));
            }
            out.push(Value::Object(item));
        }
    }
    out
}

/// The canonical `Transaction`s of records read from the store. Each stored 271 is mapped again
/// (tens of microseconds for a typical one), so a page whose stored X12 is larger than what is
/// checked inline goes to the CPU pool, as the 271s of live exchanges do.
async fn rendered(
    state: &AppState,
    found: Vec<store::Transaction>,
) -> Result<Vec<Value>, Box<Response>> {
    let len = found.iter().map(|t| t.details.texts_len()).sum();
    state
        .cpu
        .run(len, std::time::Instant::now(), move |_| {
            found.iter().map(render).collect()
        })
        .await
        .map_err(|e| Box::new(error(StatusCode::SERVICE_UNAVAILABLE, &[e.to_string()])))
}

/// The canonical `Transaction` of a record read from the store. Its 270 is read once, for the
/// traces that pick the answer's subscriber and for the people it names.
pub fn render(t: &store::Transaction) -> Value {
    let sent = t.details.x12_270.as_deref().map(inquiry::read);
    render_with(
        t,
        answered_json(&t.details, sent.as_ref()).as_ref(),
        sent.as_ref(),
    )
}

/// The eligibility JSON of a record: the body kept by older versions, else the stored 271 mapped
/// again (the store keeps the 271, not the ~7× larger JSON made from it; the same 271 maps to the
/// same JSON), picking the subscriber the stored 270 (`sent`, read) traced as the answer did.
fn answered_json(d: &store::Details, sent: Option<&Inquiry<'_>>) -> Option<Value> {
    if let Some(v) = d
        .response
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
        .filter(Value::is_object)
    {
        return Some(v);
    }
    let x12 = d.x12_271.as_deref()?;
    let traces = sent.map_or_else(Vec::new, |q| {
        q.patient()
            .traces
            .iter()
            .chain(&q.subscriber.traces)
            .filter_map(|t| t.reference)
            .map(str::to_owned)
            .collect()
    });
    let ctx = crate::eligibility::map271::Context {
        traces,
        ..Default::default()
    };
    let mapped = crate::eligibility::map271::map(x12, &ctx).ok()?;
    serde_json::to_value(&mapped).ok().filter(Value::is_object)
}

/// The canonical `Transaction` of `t`, given the eligibility JSON answered for it and its 270
/// when already read (else it is read here if it names the people).
fn render_with(t: &store::Transaction, v3: Option<&Value>, sent: Option<&Inquiry<'_>>) -> Value {
    let d = &t.details;
    let status = Status::parse(&t.status).unwrap_or(Status::ProcessingError);
    let v3_subscriber = v3.and_then(|v| v.get("subscriber"));
    let v3_patient = v3
        .as_ref()
        .and_then(|v| v.get("dependents"))
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .or(v3_subscriber);
    let mut out = Map::new();
    out.insert("id".into(), json!(t.id));
    out.insert(
        "sourceId".into(),
        json!(t.source_id.clone().unwrap_or_default()),
    );
    out.insert("sourceType".into(), json!(t.source_type));
    if let Some(c) = &t.correlation_id {
        out.insert("correlationId".into(), json!(c));
    }
    out.insert("processedDate".into(), json!(rfc3339(t.processed_ms)));
    out.insert(
        "status".into(),
        json!({ "value": status.as_str(), "description": status.description() }),
    );
    out.insert("errors".into(), json!(d.errors));
    if !d.warnings.is_empty() {
        out.insert("warnings".into(), json!(d.warnings));
    }
    let (parsed, read);
    let (patient, subscriber, payer_name) = if d.people_in_270 {
        let q = if let Some(q) = sent {
            q
        } else {
            parsed = inquiry::read(d.x12_270.as_deref().unwrap_or_default());
            &parsed
        };
        read = transaction::people(q);
        (&read.patient, &read.subscriber, &read.payer_name)
    } else {
        (&d.patient, &d.subscriber, &d.payer_name)
    };
    out.insert("patient".into(), person_json(patient, v3_patient));
    out.insert("subscriber".into(), person_json(subscriber, v3_subscriber));
    let mut payer = Map::new();
    if let Some(p) = &t.payer_id {
        payer.insert("chcId".into(), json!(p));
    }
    let name = v3
        .as_ref()
        .and_then(|v| v.pointer("/payer/name"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| payer_name.clone());
    if let Some(n) = name {
        payer.insert("name".into(), json!(n));
    }
    if let Some(c) = v3
        .as_ref()
        .and_then(|v| v.pointer("/payer/contactInformation"))
    {
        payer_contacts(&mut payer, c);
    }
    out.insert("payer".into(), Value::Object(payer));
    if let Some(plan) = v3.map(plan_json).filter(|p| !p.is_empty()) {
        out.insert("plan".into(), Value::Object(plan));
    }
    out.insert(
        "benefits".into(),
        Value::Array(v3.map(benefits).unwrap_or_default()),
    );
    if let Some(x) = &d.x12_271 {
        out.insert("x12-271".into(), json!(x));
    }
    Value::Object(out)
}

/// The store once this replica's queued records are written: a transaction answered a moment
/// ago is found (read-your-writes on one replica).
async fn settled(recorder: &store::Recorder) -> &store::Store {
    recorder.settle().await;
    recorder.store()
}

fn store_of(state: &AppState) -> Result<&store::Recorder, Box<Response>> {
    state.store.as_deref().ok_or_else(|| {
        Box::new(error(
            StatusCode::SERVICE_UNAVAILABLE,
            &["the transaction store is off (store.enabled = false)".into()],
        ))
    })
}

fn store_failed(state: &AppState, e: &store::StoreError) -> Response {
    if let Some(r) = &state.store {
        r.health().failed("read", e);
    }
    tracing::error!(error = %e, "transaction store read failed");
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        &["the transaction store does not answer; retry shortly".into()],
    )
}

async fn fetch(
    State(state): State<Arc<AppState>>,
    trace: TraceId,
    headers: ExchangeHeaders,
    V1Caller(caller): V1Caller,
    Path(id): Path<String>,
) -> Response {
    let mut res = match store_of(&state) {
        Err(res) => *res,
        Ok(recorder) => match settled(recorder).await.get(&caller.account, &id).await {
            Ok(Some(t)) => match rendered(&state, vec![t]).await {
                Ok(mut one) => (StatusCode::OK, axum::Json(one.pop())).into_response(),
                Err(res) => *res,
            },
            Ok(None) => error(StatusCode::NOT_FOUND, &["record not found".into()]),
            Err(
                store::StoreError::Crypto(_)
                | store::StoreError::Details { .. }
                | store::StoreError::Frame(_),
            ) => error(
                StatusCode::UNPROCESSABLE_ENTITY,
                &["Unable to deserialize record".into()],
            ),
            Err(e) => store_failed(&state, &e),
        },
    };
    optum_headers(&mut res, &caller.account, &headers, &trace, false);
    res
}

async fn healthcheck(
    State(state): State<Arc<AppState>>,
    trace: TraceId,
    headers: ExchangeHeaders,
    V1Caller(caller): V1Caller,
) -> Response {
    let healthy = match &state.store {
        Some(r) => r.store().ping().await.is_ok(),
        None => true,
    };
    let mut res = if healthy {
        (StatusCode::OK, axum::Json(json!({ "status": "ok" }))).into_response()
    } else {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({ "status": "unhealthy" })),
        )
            .into_response()
    };
    optum_headers(&mut res, &caller.account, &headers, &trace, false);
    res
}

/// The search's parameters, checked; the error names the parameter.
fn parse_query(raw: Option<&str>) -> Result<(Query, Vec<(String, String)>), String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|_| "the query string cannot be read".to_owned())?;
    let mut q = Query {
        limit: 30,
        ..Query::default()
    };
    for (k, v) in &pairs {
        let text = || Some(v.clone()).filter(|v| !v.is_empty());
        match k.as_str() {
            "status" => {
                for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if Status::parse(s).is_none() {
                        return Err(format!(
                            "status `{s}` is not one of eligible, ineligible, patient_unknown, \
                             payer_unavailable, payer_not_in_system, processing_error"
                        ));
                    }
                    q.statuses.push(s.to_owned());
                }
            }
            "correlationId" => q.correlation_id = text(),
            "patientFirstName" => q.patient_first_name = text(),
            "patientLastName" => q.patient_last_name = text(),
            "patientAccountNumber" => q.patient_account_number = text(),
            "medicalRecordNumber" => q.medical_record_number = text(),
            "memberId" => q.member_id = text(),
            "patientDateOfBirth" => {
                let ok = v.len() == 10 && parse_rfc3339(&format!("{v}T00:00:00Z")).is_some();
                if !ok {
                    return Err("patientDateOfBirth must be a date as YYYY-MM-DD".into());
                }
                q.patient_birth_date = Some(v.clone());
            }
            "npi" => q.npi = text(),
            "payerId" => q.payer_id = text(),
            "startDateTime" | "endDateTime" => {
                let ms = parse_rfc3339(v).ok_or_else(|| {
                    format!("{k} must be a date-time such as 2017-07-21T17:32:28Z")
                })?;
                if k == "startDateTime" {
                    q.start_ms = Some(ms);
                } else {
                    q.end_ms = Some(ms);
                }
            }
            "sort" => {
                q.order = match v.as_str() {
                    "processedDate" => Order::OldestFirst,
                    "-processedDate" => Order::NewestFirst,
                    _ => return Err("sort must be processedDate or -processedDate".into()),
                }
            }
            "offset" => {
                q.offset = v
                    .parse()
                    .map_err(|_| "offset must be a whole number from 0".to_owned())?;
            }
            "limit" => {
                q.limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=100).contains(l))
                    .ok_or_else(|| "limit must be a whole number from 1 to 100".to_owned())?;
            }
            "returnTotalCount" => {
                q.count = match v.as_str() {
                    "true" => true,
                    "false" => false,
                    _ => return Err("returnTotalCount must be true or false".into()),
                }
            }
            other => {
                return Err(format!(
                    "`{}` is not a parameter of this search",
                    other.chars().take(40).collect::<String>()
                ));
            }
        }
    }
    if let (Some(s), Some(e)) = (q.start_ms, q.end_ms)
        && s > e
    {
        return Err("startDateTime must be before endDateTime".into());
    }
    Ok((q, pairs))
}

/// The `link` to another page: the same query with `offset` replaced.
fn page_link(pairs: &[(String, String)], offset: u32, limit: u32, rel: &str) -> String {
    let mut kept: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "offset" && k != "limit")
        .cloned()
        .collect();
    kept.push(("limit".into(), limit.to_string()));
    kept.push(("offset".into(), offset.to_string()));
    let qs = serde_urlencoded::to_string(&kept).unwrap_or_default();
    format!("<{TRANSACTIONS_PATH}?{qs}>; rel=\"{rel}\"")
}

async fn search(
    State(state): State<Arc<AppState>>,
    trace: TraceId,
    headers: ExchangeHeaders,
    V1Caller(caller): V1Caller,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut res = match (store_of(&state), parse_query(raw.as_deref())) {
        (Err(res), _) => *res,
        (_, Err(why)) => error(StatusCode::BAD_REQUEST, &[why]),
        (Ok(recorder), Ok((q, pairs))) => {
            match settled(recorder).await.search(&caller.account, &q).await {
                Err(e) => store_failed(&state, &e),
                Ok((found, total)) => 'page: {
                    let page_len = u32::try_from(found.len()).unwrap_or(u32::MAX);
                    let body = match rendered(&state, found).await {
                        Ok(body) => body,
                        Err(res) => break 'page *res,
                    };
                    let mut res = (StatusCode::OK, axum::Json(body)).into_response();
                    let more = match total {
                        Some(t) => u64::from(q.offset) + u64::from(page_len) < t,
                        None => page_len == q.limit,
                    };
                    let mut links = Vec::new();
                    if more {
                        links.push(page_link(
                            &pairs,
                            q.offset.saturating_add(q.limit),
                            q.limit,
                            "next",
                        ));
                    }
                    if q.offset > 0 {
                        links.push(page_link(
                            &pairs,
                            q.offset.saturating_sub(q.limit),
                            q.limit,
                            "prev",
                        ));
                    }
                    if !links.is_empty() {
                        set(&mut res, "link", Some(&links.join(", ")));
                    }
                    if let Some(t) = total {
                        set(&mut res, "x-total-count", Some(&t.to_string()));
                    }
                    res
                }
            }
        }
    };
    optum_headers(&mut res, &caller.account, &headers, &trace, false);
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for (s, ms) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2017-07-21T17:32:28Z", 1_500_658_348_000),
            ("2024-02-29T23:59:59Z", 1_709_251_199_000),
        ] {
            assert_eq!(parse_rfc3339(s), Some(ms), "{s}");
            assert_eq!(rfc3339(ms), s);
        }
        assert_eq!(
            parse_rfc3339("2017-07-21T19:32:28.5+02:00"),
            Some(1_500_658_348_500)
        );
        for bad in [
            "2017-13-01T00:00:00Z",
            "2017-07-21",
            "2017-07-21T17:32:28",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn search_parameters_are_checked_by_name() {
        let (q, _) = parse_query(Some(
            "status=eligible,ineligible&limit=5&offset=10&sort=processedDate&returnTotalCount=true",
        ))
        .unwrap();
        assert_eq!(q.statuses, ["eligible", "ineligible"]);
        assert_eq!(
            (q.limit, q.offset, q.count, q.order),
            (5, 10, true, Order::OldestFirst)
        );
        for (bad, names) in [
            ("limit=0", "limit"),
            ("limit=101", "limit"),
            ("status=maybe", "status"),
            ("colour=red", "colour"),
            ("patientDateOfBirth=19610317", "patientDateOfBirth"),
            (
                "startDateTime=2020-01-02T00:00:00Z&endDateTime=2020-01-01T00:00:00Z",
                "startDateTime",
            ),
        ] {
            let err = parse_query(Some(bad)).unwrap_err();
            assert!(err.contains(names), "{bad}: {err}");
        }
    }
}
