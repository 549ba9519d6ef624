//! `GET /openapi.json`: the `OpenAPI` 3.1 description, generated from the code so it cannot drift:
//! response bodies from the serialised types (`utoipa::ToSchema` derives), paths from the same
//! constants the router uses, error shapes from the types below, checked against real answers by
//! `tests/api/openapi.rs`.

use std::borrow::Cow;

use serde_json::Value;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, PathItem, PathsBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, Object, ObjectBuilder, OneOfBuilder, Schema, SchemaType,
    Type,
};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, ClientCredentials, Flow, Http, HttpAuthScheme, OAuth2, Scopes,
    SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Content, OpenApi as Document, Ref, RefOr, Required};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::{
    HEALTH_PATHS, JSON_CHANGE_PATHS, JSON_STEDI_PATH, RAW_X12_PATHS, metrics, oauth, probes,
};
use crate::eligibility::issue::Issue;
use crate::eligibility::model::{
    DatePeriod, EligibilityResponse, FieldValue, Fields, Repeats, ServiceTypeNames, Warning,
};
use crate::eligibility::request::EligibilityRequest;

/// The path.
pub const PATH: &str = "/openapi.json";

mod claim_status;
mod rules;

/// `{"x12": "<270>"}`: the request body of both raw-X12 paths.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct RawX12Body {
    /// The X12 270, 005010X279A1.
    x12: String,
}

/// Change's answer to a JSON request with problems: HTTP **200** (as Change answers), every
/// problem named by its JSON path.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct ChangeValidationErrors {
    /// The problems.
    errors: Vec<ChangeFieldError>,
}

/// One problem of a JSON request, Change's way.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct ChangeFieldError {
    /// Dotted JSON path, e.g. `provider.npi`.
    field: String,
    /// The field and what is wrong with it, never its value.
    description: String,
}

/// `{message, code}`: gateway faults, auth failures, limits, timeouts.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
#[serde(rename_all = "camelCase")]
struct MessageError {
    /// What happened and what to do, without request data.
    message: String,
    /// `UNAUTHORIZED`, `BAD_REQUEST`, `INVALID_REQUEST` (a JSON request with problems, Stedi's
    /// path), `REQUEST_TIMEOUT`, `PAYLOAD_TOO_LARGE`, `TOO_MANY_REQUESTS`, `SERVICE_UNAVAILABLE`,
    /// `GATEWAY_TIMEOUT`, `BAD_GATEWAY`, ...
    code: String,
    /// The JSON fields concerned (bad bodies; every problem of a JSON request on Stedi's path).
    field_list: Option<Vec<FieldProblem>>,
}

/// One field of a bad body.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct FieldProblem {
    /// JSON Pointer, e.g. `/provider/npi`.
    path: String,
    /// What is wrong.
    message: String,
}

/// The 400 of a 270 that cannot be sent (every problem, placed), or of an unrouted payer ID.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
#[serde(rename_all = "camelCase")]
struct EligibilityError {
    /// `ERROR`.
    status: String,
    /// The payer ID (unrouted payer only).
    trading_partner_service_id: Option<String>,
    /// The problems.
    errors: Vec<Issue>,
    /// Repairs made before giving up.
    warnings: Option<Vec<Warning>>,
}

/// 502: the payer's answer is not a readable 271; its document, when there was one.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct PayerFault {
    /// What is wrong with it.
    message: String,
    /// `INVALID_PAYER_RESPONSE` or `BAD_GATEWAY`.
    code: String,
    /// The payer's document as received.
    x12: Option<String>,
}

/// The token request (form or JSON; the credentials may come as `Authorization: Basic`).
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct TokenRequest {
    /// `client_credentials`.
    grant_type: String,
    /// The client ID.
    client_id: Option<String>,
    /// The client secret.
    client_secret: Option<String>,
}

/// An access token.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct TokenAnswer {
    /// A signed JWT for `Authorization: Bearer`.
    access_token: String,
    /// `bearer`.
    token_type: String,
    /// Lifetime in seconds.
    expires_in: u64,
}

/// RFC 6749 §5.2.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct OAuthErrorBody {
    /// `invalid_request`, `invalid_client`, `unsupported_grant_type`.
    error: String,
    /// What to fix.
    error_description: String,
}

/// The health check.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct Health {
    /// `OK`.
    status: String,
    /// The gateway's version.
    version: String,
}

/// A probe's answer.
#[derive(ToSchema)]
#[allow(dead_code, reason = "a schema, never built")]
struct Probe {
    /// `OK`, `READY` or `NOT_READY`.
    status: String,
    /// Why not ready (`draining`, `limiter_backend_unreachable`).
    reasons: Option<Vec<String>>,
}

fn strings() -> Schema {
    ArrayBuilder::new()
        .items(Object::with_type(Type::String))
        .build()
        .into()
}

impl PartialSchema for Repeats<'_> {
    fn schema() -> RefOr<Schema> {
        strings().into()
    }
}
impl ToSchema for Repeats<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Repeats")
    }
}

impl PartialSchema for ServiceTypeNames<'_> {
    fn schema() -> RefOr<Schema> {
        strings().into()
    }
}
impl ToSchema for ServiceTypeNames<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ServiceTypeNames")
    }
}

impl PartialSchema for FieldValue<'_> {
    fn schema() -> RefOr<Schema> {
        Schema::OneOf(
            OneOfBuilder::new()
                .item(Object::with_type(Type::String))
                .item(ArrayBuilder::new().items(Ref::from_schema_name(DatePeriod::name())))
                .build(),
        )
        .into()
    }
}
impl ToSchema for FieldValue<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldValue")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((DatePeriod::name().into_owned(), DatePeriod::schema()));
    }
}

impl PartialSchema for Fields<'_> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .description(Some(
                "Qualifier-named fields (REF02 by REF01, DTP03 by DTP01).",
            ))
            .additional_properties(Some(AdditionalProperties::RefOr(
                Ref::from_schema_name(FieldValue::name()).into(),
            )))
            .build()
            .into()
    }
}
impl ToSchema for Fields<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Fields")
    }
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((FieldValue::name().into_owned(), FieldValue::schema()));
        FieldValue::schemas(schemas);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "eligibility-gateway",
        description = "Self-hostable, Change Healthcare-compatible real-time eligibility API: a raw X12 270 or Change's JSON eligibility request in, the Change/Stedi eligibility JSON (with the payer's 271) out."
    ),
    components(schemas(
        EligibilityResponse<'static>,
        RawX12Body,
        EligibilityRequest,
        ChangeValidationErrors,
        MessageError,
        EligibilityError,
        PayerFault,
        TokenRequest,
        TokenAnswer,
        OAuthErrorBody,
        Health,
        Probe
    )),
    modifiers(&Security, &NullMeansAbsent)
)]
struct Doc;

/// The request model's fields default to absent, which the derive writes as `"default": null`
/// beside `"type": "string"`; clients may send `null` for absent, so say that instead.
struct NullMeansAbsent;

impl Modify for NullMeansAbsent {
    fn modify(&self, doc: &mut Document) {
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        for schema in components.schemas.values_mut() {
            let RefOr::T(Schema::Object(object)) = schema else {
                continue;
            };
            for property in object.properties.values_mut() {
                match property {
                    RefOr::T(Schema::Object(o)) if o.default == Some(Value::Null) => {
                        o.default = None;
                        if let SchemaType::Type(t) = &o.schema_type {
                            o.schema_type = SchemaType::Array(vec![t.clone(), Type::Null]);
                        }
                    }
                    RefOr::T(Schema::OneOf(o)) if o.default == Some(Value::Null) => {
                        o.default = None;
                    }
                    RefOr::T(Schema::Array(a)) if a.default == Some(Value::Null) => {
                        a.default = None;
                    }
                    _ => {}
                }
            }
        }
    }
}

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "The API key itself, or `Key <api-key>` (Stedi).",
            ))),
        );
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        components.add_security_scheme(
            "oauth2",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new(oauth::TOKEN_PATH, Scopes::new()),
            )])),
        );
    }
}

fn json(schema: impl Into<RefOr<Schema>>) -> Content {
    Content::new(Some(schema))
}

fn named(name: &str) -> Ref {
    Ref::from_schema_name(name)
}

fn answer(
    op: OperationBuilder,
    status: &str,
    what: &str,
    schema: impl Into<RefOr<Schema>>,
) -> OperationBuilder {
    op.response(
        status,
        ResponseBuilder::new()
            .description(what)
            .content("application/json", json(schema)),
    )
}

/// What differs between the eligibility operations: the body, and how problems are answered.
struct Eligibility<'a> {
    id: &'a str,
    summary: &'a str,
    body: &'a str,
    /// The 200's schema.
    ok: RefOr<Schema>,
    ok_what: &'a str,
    bad_what: &'a str,
}

fn one_of(names: &[&str]) -> Schema {
    let mut b = OneOfBuilder::new();
    for n in names {
        b = b.item(named(n));
    }
    Schema::OneOf(b.build())
}

fn any_of(names: &[&str]) -> Schema {
    let mut b = utoipa::openapi::schema::AnyOfBuilder::new();
    for n in names {
        b = b.item(named(n));
    }
    Schema::AnyOf(b.build())
}

fn eligibility_operation(e: Eligibility<'_>) -> Operation {
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content("application/json", json(named(e.body)))
        .build();
    let mut op = OperationBuilder::new()
        .operation_id(Some(e.id))
        .summary(Some(e.summary))
        .request_body(Some(body))
        .securities(Some([
            SecurityRequirement::new("apiKey", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("oauth2", Vec::<String>::new()),
        ]));
    op = answer(op, "200", e.ok_what, e.ok);
    op = answer(
        op,
        "400",
        e.bad_what,
        one_of(&["EligibilityError", "MessageError"]),
    );
    for (status, what) in [
        ("401", "Missing or unknown credentials."),
        (
            "408",
            "The body was not complete within server.body_timeout_ms.",
        ),
        ("413", "The body is over server.max_body_bytes."),
        ("431", "The request line and headers are over 32 KiB."),
        (
            "429",
            "The account's in-flight limit, failed-authentication throttling (with Retry-After), or the upstream's 429.",
        ),
        ("500", "An unexpected fault (opaque)."),
        (
            "503",
            "`SERVICE_UNAVAILABLE` (with Retry-After): the upstream could not be reached, the payer connection is at its `max_in_flight` cap, or the shared limiter's Redis is unreachable with `limits.on_backend_error = \"refuse\"`.",
        ),
        ("504", "The payer did not answer in time."),
    ] {
        op = answer(op, status, what, named("MessageError"));
    }
    op = answer(
        op,
        "502",
        "The payer's answer is not a readable 271, or the upstream failed.",
        named("PayerFault"),
    );
    op.build()
}

const OK_WHAT: &str = "The payer's 271 as eligibility JSON (a payer's AAA rejection included).";

fn raw_x12_operation(id: &str) -> Operation {
    eligibility_operation(Eligibility {
        id,
        summary: "Check eligibility with a raw X12 270",
        body: "RawX12Body",
        ok: named("EligibilityResponse").into(),
        ok_what: OK_WHAT,
        bad_what: "The 270 cannot be sent (every problem, placed), an unrouted payer ID, or a bad body.",
    })
}

fn json_change_operation(id: &str) -> Operation {
    eligibility_operation(Eligibility {
        id,
        summary: "Check eligibility with Change's JSON request",
        body: "EligibilityRequest",
        // `anyOf`: the two are exclusive anyway (an answer has `meta` and `x12`; the errors shape
        // is closed), and clients generated without a discriminator read anyOf as "try each".
        ok: any_of(&["EligibilityResponse", "ChangeValidationErrors"]).into(),
        ok_what: "The payer's 271 as eligibility JSON; or, as Change answers, a request with problems: `{\"errors\": [{\"field\", \"description\"}]}`.",
        bad_what: "A body that is not a JSON object, or an unrouted payer ID.",
    })
}

fn json_stedi_operation() -> Operation {
    eligibility_operation(Eligibility {
        id: "stediEligibility",
        summary: "Check eligibility with Stedi's JSON request (controlNumber deprecated: one that is not 9 digits is replaced, with a warning)",
        body: "EligibilityRequest",
        ok: named("EligibilityResponse").into(),
        ok_what: OK_WHAT,
        bad_what: "A request with problems (`INVALID_REQUEST`, every problem in `fieldList` with its JSON Pointer), a body that is not a JSON object, or an unrouted payer ID.",
    })
}

fn token_operation() -> Operation {
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "application/x-www-form-urlencoded",
            json(named("TokenRequest")),
        )
        .content("application/json", json(named("TokenRequest")))
        .build();
    let mut op = OperationBuilder::new()
        .operation_id(Some("token"))
        .summary(Some("OAuth 2 client credentials: get a bearer token"))
        .request_body(Some(body));
    op = answer(op, "200", "An access token.", named("TokenAnswer"));
    op = answer(
        op,
        "400",
        "Malformed request or unsupported grant.",
        named("OAuthErrorBody"),
    );
    op = answer(
        op,
        "401",
        "Unknown client or wrong secret.",
        named("OAuthErrorBody"),
    );
    op = answer(
        op,
        "408",
        "The body was not complete in time.",
        named("MessageError"),
    );
    op = answer(
        op,
        "413",
        "The body is over server.max_body_bytes.",
        named("MessageError"),
    );
    op = answer(
        op,
        "429",
        "Failed-authentication throttling (with Retry-After).",
        named("MessageError"),
    );
    op.build()
}

fn get(id: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(summary))
}

fn paths() -> utoipa::openapi::Paths {
    let mut p = PathsBuilder::new();
    for (i, path) in RAW_X12_PATHS.into_iter().enumerate() {
        let id = format!("rawX12Eligibility{i}");
        p = p.path(
            path,
            PathItem::new(HttpMethod::Post, raw_x12_operation(&id)),
        );
    }
    for (i, path) in JSON_CHANGE_PATHS.into_iter().enumerate() {
        let id = format!("changeEligibility{i}");
        p = p.path(
            path,
            PathItem::new(HttpMethod::Post, json_change_operation(&id)),
        );
    }
    p = p.path(
        JSON_STEDI_PATH,
        PathItem::new(HttpMethod::Post, json_stedi_operation()),
    );
    p = p.path(
        oauth::TOKEN_PATH,
        PathItem::new(HttpMethod::Post, token_operation()),
    );
    for (i, path) in HEALTH_PATHS.into_iter().enumerate() {
        let op = answer(
            get(&format!("healthcheck{i}"), "Health check"),
            "200",
            "Up.",
            named("Health"),
        );
        p = p.path(path, PathItem::new(HttpMethod::Get, op.build()));
    }
    let live = answer(
        get("livez", "Liveness"),
        "200",
        "The process runs.",
        named("Probe"),
    );
    p = p.path(probes::LIVEZ, PathItem::new(HttpMethod::Get, live.build()));
    let ready = answer(
        get("readyz", "Readiness"),
        "200",
        "Accepting work.",
        named("Probe"),
    );
    let ready = answer(
        ready,
        "503",
        "Draining, or a backend is unreachable.",
        named("Probe"),
    );
    p = p.path(
        probes::READYZ,
        PathItem::new(HttpMethod::Get, ready.build()),
    );
    let scrape = get("metrics", "Prometheus metrics").response(
        "200",
        ResponseBuilder::new()
            .description("Prometheus text format 0.0.4 (when metrics are served on this listener).")
            .content("text/plain", json(Object::with_type(Type::String))),
    );
    p = p.path(
        metrics::PATH,
        PathItem::new(HttpMethod::Get, scrape.build()),
    );
    let doc = answer(
        get("openapi", "This document"),
        "200",
        "OpenAPI 3.1.",
        Object::with_type(Type::Object),
    );
    p = p.path(PATH, PathItem::new(HttpMethod::Get, doc.build()));
    let p = super::enhanced_doc::paths(p);
    claim_status::paths(p).build()
}

/// The whole document.
pub fn document() -> Document {
    let mut doc = Doc::openapi();
    doc.paths = paths();
    claim_status::components(&mut doc);
    // Again for the claim status request model added above.
    NullMeansAbsent.modify(&mut doc);
    doc
}

/// The document as JSON, with what the derives cannot say about requests (see [`rules`]).
pub fn value() -> Value {
    let mut doc = serde_json::to_value(document()).unwrap_or_default();
    rules::apply(&mut doc);
    doc
}

/// The document as JSON bytes, made once at start-up.
pub fn rendered() -> axum::body::Bytes {
    serde_json::to_vec(&value()).unwrap_or_default().into()
}

/// `GET /openapi.json`.
pub fn serve(doc: &axum::body::Bytes) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.clone(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_openapi_3_1_with_every_route_and_scheme() {
        let doc = value();
        assert_eq!(doc["openapi"], "3.1.0");
        for p in RAW_X12_PATHS
            .iter()
            .chain(&HEALTH_PATHS)
            .chain(&JSON_CHANGE_PATHS)
            .chain(&[
                oauth::TOKEN_PATH,
                probes::LIVEZ,
                probes::READYZ,
                JSON_STEDI_PATH,
                metrics::PATH,
                PATH,
            ])
        {
            assert!(doc["paths"].get(*p).is_some(), "{p}");
        }
        let request = &doc["components"]["schemas"]["EligibilityRequest"]["properties"];
        assert_eq!(
            request["controlNumber"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert_eq!(
            doc["components"]["schemas"]["RequestPerson"]["properties"]["memberId"]["type"],
            serde_json::json!(["string", "null"])
        );
        assert!(
            !doc.to_string().contains(r#""default":null"#),
            "absent is null, not a default"
        );
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(
            schemes["oauth2"]["flows"]["clientCredentials"]["tokenUrl"],
            oauth::TOKEN_PATH
        );
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["apiKey"]["name"], "Authorization");
        for s in [
            "EligibilityResponse",
            "Benefit",
            "Member",
            "Fields",
            "FieldValue",
            "DatePeriod",
            "Issue",
            "MessageError",
            "EligibilityRequest",
            "RequestProvider",
            "RequestPerson",
            "Encounter",
            "ChangeValidationErrors",
        ] {
            assert!(doc["components"]["schemas"].get(s).is_some(), "{s}");
        }
    }
}
