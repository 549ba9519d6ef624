//! `OpenAPI` of the claim status routes: Change's and Stedi's raw X12 and JSON paths (the same
//! operation shape as eligibility's, Change's claim status `Response` as the answer) and Change's
//! health check.

use utoipa::openapi::path::{HttpMethod, PathItem, PathsBuilder};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{Object, ObjectBuilder, Type};
use utoipa::openapi::{OpenApi as Document, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::{Eligibility, any_of, eligibility_operation, get, json, named};
use crate::claim_status::ClaimStatusResponse;
use crate::claim_status::request::ClaimStatusRequest;
use crate::http::claim_status::{
    HEALTH_PATH, JSON_CHANGE_PATHS, JSON_STEDI_PATH, RAW_X12_CHANGE, RAW_X12_STEDI,
};

/// The README's sandbox 276 (`{"x12": …}`), the raw X12 body's example.
const SANDBOX_276: &str = include_str!("../../../examples/claim-status-raw-x12.json");
/// The README's JSON request (Change's sandbox subscriber), the JSON body's example.
const SANDBOX_REQUEST: &str = include_str!("../../../examples/claim-status-request.json");

const OK_WHAT: &str = "The payer's 277 as Change's claim status `Response` (the 277 in `x12`); a payer's rejection (STC, 999) is data here, not an error.";

/// The schemas the claim status operations name.
pub fn components(doc: &mut Document) {
    let components = doc.components.get_or_insert_with(Default::default);
    let mut schemas = vec![(
        ClaimStatusResponse::name().into_owned(),
        ClaimStatusResponse::schema(),
    )];
    <ClaimStatusResponse<'_> as ToSchema>::schemas(&mut schemas);
    let mut request = ClaimStatusRequest::schema();
    if let RefOr::T(Schema::Object(o)) = &mut request {
        let mut example: serde_json::Value =
            serde_json::from_str(SANDBOX_REQUEST).unwrap_or_default();
        // Change's sandbox sends a 10-character taxId, which Stedi's path refuses (nine digits):
        // the one example serves both paths.
        if let Some(tax_id) = example.pointer_mut("/providers/0/taxId") {
            *tax_id = "123456789".into();
        }
        o.examples = vec![example];
    }
    schemas.push((ClaimStatusRequest::name().into_owned(), request));
    <ClaimStatusRequest as ToSchema>::schemas(&mut schemas);
    flatten_all_of(&mut schemas);
    let string = || Object::with_type(Type::String);
    schemas.push((
        "ClaimStatusRawX12Body".into(),
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .property("x12", string())
                .required("x12")
                .examples([
                    serde_json::from_str::<serde_json::Value>(SANDBOX_276).unwrap_or_default()
                ])
                .description(Some("`{\"x12\": \"<276>\"}`: an X12 276, 005010X212."))
                .build(),
        )),
    ));
    schemas.push((
        "ClaimStatusHealth".into(),
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .property("status", string())
                .property("version", string())
                .description(Some(
                    "`{\"status\": \"UP\", \"version\": \"V2\"}` as Change answers.",
                ))
                .build(),
        )),
    ));
    components.schemas.extend(schemas);
}

/// `#[serde(flatten)]` derives `allOf: [$ref, {properties}]`, which no client can close (each
/// branch's `additionalProperties: false` refuses the other's keys): each such schema becomes one
/// object with the properties of both.
fn flatten_all_of(schemas: &mut [(String, RefOr<Schema>)]) {
    let objects: Vec<(String, Object)> = schemas
        .iter()
        .filter_map(|(n, s)| match s {
            RefOr::T(Schema::Object(o)) => Some((n.clone(), o.clone())),
            _ => None,
        })
        .collect();
    let by_ref = |r: &str| {
        let name = r.rsplit('/').next().unwrap_or("");
        objects
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o.clone())
    };
    for (_, schema) in schemas.iter_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        let mut merged = ObjectBuilder::new().build();
        merged.description.clone_from(&all.description);
        for item in &all.items {
            let part = match item {
                RefOr::Ref(r) => by_ref(&r.ref_location),
                RefOr::T(Schema::Object(o)) => Some(o.clone()),
                RefOr::T(_) => None,
            };
            if let Some(o) = part {
                merged.properties.extend(o.properties);
                merged.required.extend(o.required);
            }
        }
        *schema = RefOr::T(Schema::Object(merged));
    }
}

/// The claim status paths added to `p`.
pub fn paths(mut p: PathsBuilder) -> PathsBuilder {
    for (id, path) in [
        ("changeClaimStatusRawX12", RAW_X12_CHANGE),
        ("stediClaimStatusRawX12", RAW_X12_STEDI),
    ] {
        let op = eligibility_operation(Eligibility {
            id,
            summary: "Check claim status with a raw X12 276",
            body: "ClaimStatusRawX12Body",
            ok: named("ClaimStatusResponse").into(),
            ok_what: OK_WHAT,
            bad_what: "The X12 is not a 276 that can be sent (every problem, placed), an unrouted payer ID (or one whose connection does not serve claim status), or a bad body.",
        });
        p = p.path(path, PathItem::new(HttpMethod::Post, op));
    }
    let json_paths = JSON_CHANGE_PATHS
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("changeClaimStatus{i}"), *p))
        .chain([("stediClaimStatus".to_owned(), JSON_STEDI_PATH)]);
    for (id, path) in json_paths {
        // Change's path answers a request with problems as its eligibility path does: a 200
        // carrying `errors`; Stedi's with a 400.
        let change = path != JSON_STEDI_PATH;
        let op = eligibility_operation(Eligibility {
            id: &id,
            summary: "Check claim status with Change's JSON request",
            body: "ClaimStatusRequest",
            ok: if change {
                any_of(&["ClaimStatusResponse", "ChangeValidationErrors"]).into()
            } else {
                named("ClaimStatusResponse").into()
            },
            ok_what: if change {
                "The payer's 277 as Change's claim status `Response`; or, as Change's eligibility path answers, a request with problems: `{\"errors\": [{\"field\", \"description\"}]}`."
            } else {
                OK_WHAT
            },
            bad_what: "A body that is not a JSON claim status request, a request with problems (Stedi's path: `INVALID_REQUEST` with every problem in `fieldList`), or an unrouted payer ID.",
        });
        p = p.path(path, PathItem::new(HttpMethod::Post, op));
    }
    let health = get("claimStatusHealthcheck", "Claim status health check").response(
        "200",
        ResponseBuilder::new().description("Up.").content(
            "application/vnd.changehealthcare.claimstatus-v2+json",
            json(named("ClaimStatusHealth")),
        ),
    );
    p.path(HEALTH_PATH, PathItem::new(HttpMethod::Get, health.build()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_claim_status_route_is_described_and_flattened_schemas_are_one_object() {
        let doc = super::super::value();
        for p in [
            super::RAW_X12_CHANGE,
            super::RAW_X12_STEDI,
            super::JSON_STEDI_PATH,
            super::HEALTH_PATH,
        ]
        .iter()
        .chain(&super::JSON_CHANGE_PATHS)
        {
            assert!(doc["paths"].get(*p).is_some(), "{p}");
        }
        let cs = &doc["components"]["schemas"]["ClaimStatus"];
        assert!(cs.get("allOf").is_none(), "{cs}");
        for key in ["statusCategoryCode", "amountPaid", "trackingNumber"] {
            assert!(cs["properties"].get(key).is_some(), "{key}");
        }
    }
}
