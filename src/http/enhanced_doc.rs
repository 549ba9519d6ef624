//! `OpenAPI` of the Enhanced Eligibility v1 routes (schemas inline: Optum's `Transaction` subset we
//! fill, its `Error` array, the search parameters).

use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathsBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, Ref, RefOr, Required};

use super::enhanced::{HEALTH_PATH, JSON_PATH, TRANSACTION_PATH, TRANSACTIONS_PATH, X12_PATH};

fn string() -> Schema {
    Object::with_type(Type::String).into()
}

fn strings() -> Schema {
    ArrayBuilder::new().items(RefOr::T(string())).build().into()
}

fn object(fields: &[(&str, Schema)]) -> Schema {
    let mut b = ObjectBuilder::new();
    for (name, schema) in fields {
        b = b.property(*name, schema.clone());
    }
    b.build().into()
}

fn person() -> Schema {
    object(&[
        ("firstName", string()),
        ("middleName", string()),
        ("lastName", string()),
        ("memberId", string()),
        ("gender", string()),
        ("dateOfBirth", string()),
    ])
}

/// The canonical `Transaction` as the gateway fills it.
fn transaction() -> Schema {
    let status = ObjectBuilder::new()
        .property(
            "value",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([
                    "eligible",
                    "ineligible",
                    "patient_unknown",
                    "payer_unavailable",
                    "payer_not_in_system",
                    "processing_error",
                ])),
        )
        .property("description", string())
        .build()
        .into();
    let benefit = object(&[
        ("service", string()),
        ("scope", string()),
        ("name", string()),
        ("value", string()),
        ("type", string()),
        ("networkClass", string()),
        ("benefitType", string()),
        ("benefitQualifier", string()),
    ]);
    object(&[
        ("id", string()),
        ("sourceId", string()),
        (
            "sourceType",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(["new", "duplicate"]))
                .into(),
        ),
        ("correlationId", string()),
        ("processedDate", string()),
        ("status", status),
        ("errors", strings()),
        ("warnings", strings()),
        ("patient", person()),
        ("subscriber", person()),
        ("payer", object(&[("chcId", string()), ("name", string())])),
        (
            "benefits",
            ArrayBuilder::new().items(RefOr::T(benefit)).build().into(),
        ),
        ("x12-271", string()),
    ])
}

fn json(schema: Schema) -> Content {
    Content::new(Some(RefOr::T(schema)))
}

fn answer(op: OperationBuilder, status: &str, what: &str, schema: Schema) -> OperationBuilder {
    op.response(
        status,
        ResponseBuilder::new()
            .description(what)
            .content("application/json", json(schema)),
    )
}

fn secured(id: &str, summary: &str) -> OperationBuilder {
    OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(summary))
        .tag("Enhanced Eligibility v1")
        .securities(Some([
            SecurityRequirement::new("apiKey", Vec::<String>::new()),
            SecurityRequirement::new("bearer", Vec::<String>::new()),
            SecurityRequirement::new("oauth2", Vec::<String>::new()),
        ]))
}

fn errors(mut op: OperationBuilder, codes: &[(&str, &str)]) -> OperationBuilder {
    for (status, what) in codes {
        op = answer(op, status, what, strings());
    }
    op
}

fn query(name: &str, what: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .description(Some(what))
        .required(Required::False)
        .schema(Some(string()))
}

/// Adds the v1 paths.
pub fn paths(mut p: PathsBuilder) -> PathsBuilder {
    let posts = [
        (
            JSON_PATH,
            "postEligibility",
            "Submit an eligibility request (JSON EligibilityRequest)",
            Ref::from_schema_name("EligibilityRequest"),
        ),
        (
            X12_PATH,
            "postEligibilityX12",
            "Submit an X12 270 eligibility request",
            // The same `{"x12": …}` body as the v3 raw-X12 routes (with its example).
            Ref::from_schema_name("RawX12Body"),
        ),
    ];
    for (path, id, summary, body) in posts {
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content(
                "application/json",
                Content::new(Some(RefOr::<Schema>::from(body))),
            )
            .build();
        let op = answer(
            secured(id, summary).request_body(Some(body)),
            "200",
            "The transaction (payer faults included, as their status).",
            transaction(),
        );
        let op = errors(
            op,
            &[
                ("400", "The request cannot be sent (every problem)."),
                ("429", "The account's in-flight limit."),
                (
                    "503",
                    "The store does not answer (`store.on_error = \"refuse\"`) or a limiter backend is down.",
                ),
            ],
        );
        p = p.path(path, PathItem::new(HttpMethod::Post, op.build()));
    }
    let mut search = secured("getTransactions", "Find the account's transactions");
    for (name, what) in [
        ("status", "Comma-separated status values"),
        ("correlationId", "Exact"),
        ("patientFirstName", "Exact, case-insensitive"),
        ("patientLastName", "Exact, case-insensitive"),
        ("patientAccountNumber", "Exact"),
        ("medicalRecordNumber", "Exact"),
        ("memberId", "Exact, case-insensitive"),
        ("patientDateOfBirth", "YYYY-MM-DD"),
        ("npi", "Provider NPI of the 270"),
        ("payerId", "Payer ID the 270 was sent to"),
        ("startDateTime", "RFC 3339, inclusive"),
        ("endDateTime", "RFC 3339, inclusive"),
        ("sort", "-processedDate (default) or processedDate"),
        ("offset", "Records to skip (default 0)"),
        ("limit", "1 to 100 (default 30)"),
        ("returnTotalCount", "true adds x-total-count"),
    ] {
        search = search.parameter(query(name, what));
    }
    let search = answer(
        search,
        "200",
        "One page, newest first by default; `link` has rel=\"next\"/\"prev\".",
        ArrayBuilder::new()
            .items(RefOr::T(transaction()))
            .build()
            .into(),
    );
    let search = errors(
        search,
        &[
            ("400", "A parameter is unknown or has a bad value."),
            ("503", "The store does not answer."),
        ],
    );
    p = p.path(
        TRANSACTIONS_PATH,
        PathItem::new(HttpMethod::Get, search.build()),
    );
    let one = secured("getTransactionById", "Find one transaction").parameter(
        ParameterBuilder::new()
            .name("id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(string())),
    );
    let one = answer(one, "200", "The transaction.", transaction());
    let one = errors(
        one,
        &[
            ("404", "Unknown, or another account's."),
            ("422", "Sealed under a key no longer configured."),
            ("503", "The store does not answer."),
        ],
    );
    p = p.path(
        TRANSACTION_PATH,
        PathItem::new(HttpMethod::Get, one.build()),
    );
    let status = object(&[("status", string())]);
    let health = answer(
        secured("healthcheckV1", "Validate the status of the system"),
        "200",
        "`{\"status\":\"ok\"}`",
        status.clone(),
    );
    let health = answer(
        health,
        "500",
        "`{\"status\":\"unhealthy\"}`: the store does not answer.",
        status,
    );
    p.path(HEALTH_PATH, PathItem::new(HttpMethod::Get, health.build()))
}
