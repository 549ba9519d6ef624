//! What the request checks enforce, stated in the document's request schemas: required fields,
//! patterns, enums and one working example each, so generated clients and fuzzers can build
//! requests the gateway accepts. Kept beside the checks' own words (`request::check`,
//! `http::oauth`); `tests/api/openapi.rs` sends every example and expects a 200.

use serde_json::{Value, json};

/// A 270 the sandbox answers with active coverage (the README's first example).
pub const RAW_X12_EXAMPLE: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*T*:~GS*HS*SUBMITTER*RECEIVER*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~BHT*0022*13*10001234*20260101*1200~HL*1**20*1~NM1*PR*2*ACME HEALTH PLAN*****PI*842610001~HL*2*1*21*1~NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*DOEONE*JOHNONE****MI*0000000001~DMG*D8*18800102*M~DTP*291*D8*20260101~EQ*30~SE*13*0001~GE*1*1~IEA*1*000000001~";

const DATE: &str = "^[0-9]{8}$";

/// Sets the rules on `doc` (the rendered document).
#[allow(
    clippy::indexing_slicing,
    reason = "start-up, on our own document: every object indexed is one the derives wrote (the unit test below proves it)"
)]
pub fn apply(doc: &mut Value) {
    let schemas = &mut doc["components"]["schemas"];
    let request = &mut schemas["EligibilityRequest"];
    request["required"] = json!(["tradingPartnerServiceId", "provider", "subscriber"]);
    request["examples"] = json!([{
        "controlNumber": "123456789",
        "tradingPartnerServiceId": "842610001",
        "provider": {"organizationName": "BONE AND JOINT CLINIC", "npi": "1234567893"},
        "subscriber": {"firstName": "johnOne", "lastName": "doeOne", "dateOfBirth": "18800102", "memberId": "0000000001"},
        "encounter": {"serviceTypeCodes": ["30"]}
    }]);
    let props = &mut request["properties"];
    // Change's path wants 9 digits; Stedi's replaces any other value (see the operations).
    set(
        props,
        "controlNumber",
        json!({"minLength": 1, "maxLength": 50}),
    );
    set(
        props,
        "tradingPartnerServiceId",
        json!({"minLength": 2, "maxLength": 80}),
    );
    set(props, "dependents", json!({"maxItems": 1}));

    let provider = &mut schemas["RequestProvider"]["properties"];
    set(provider, "npi", json!({"pattern": "^[0-9]{10}$"}));
    set(
        provider,
        "organizationName",
        json!({"minLength": 1, "maxLength": 60}),
    );

    let person = &mut schemas["RequestPerson"]["properties"];
    set(
        person,
        "memberId",
        json!({"pattern": "^[A-Za-z0-9 -]{2,80}$"}),
    );
    set(person, "ssn", json!({"pattern": "^[0-9]{9}$"}));
    set(person, "dateOfBirth", json!({"pattern": DATE}));
    set(
        person,
        "gender",
        json!({"enum": ["M", "F", "m", "f", null]}),
    );
    set(
        person,
        "firstName",
        json!({"minLength": 1, "maxLength": 35}),
    );
    set(person, "lastName", json!({"minLength": 1, "maxLength": 60}));
    set(
        person,
        "individualRelationshipCode",
        json!({"enum": ["01", "19", "34", null]}),
    );

    let encounter = &mut schemas["Encounter"]["properties"];
    for key in [
        "dateOfService",
        "beginningDateOfService",
        "endDateOfService",
    ] {
        set(encounter, key, json!({"pattern": DATE}));
    }
    if let Some(items) = encounter
        .get_mut("serviceTypeCodes")
        .and_then(|s| s.get_mut("items"))
    {
        items["pattern"] = json!("^[A-Za-z0-9]{1,2}$");
    }
    set(encounter, "serviceTypeCodes", json!({"maxItems": 99}));

    let raw = &mut schemas["RawX12Body"];
    raw["examples"] = json!([{ "x12": RAW_X12_EXAMPLE }]);
    set(&mut raw["properties"], "x12", json!({"minLength": 1}));

    let token = &mut schemas["TokenRequest"];
    set(
        &mut token["properties"],
        "grant_type",
        json!({"enum": ["client_credentials"]}),
    );
    token["examples"] = json!([{
        "grant_type": "client_credentials",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret"
    }]);

    // Closed: an eligibility answer (with `meta` and `x12`) is never valid as this shape.
    let errors = &mut schemas["ChangeValidationErrors"];
    errors["additionalProperties"] = json!(false);
    set(&mut errors["properties"], "errors", json!({"minItems": 1}));
}

/// Merges `rules` into the property `key` of `props`, when the property exists.
fn set(props: &mut Value, key: &str, rules: Value) {
    let (Some(p), Value::Object(rules)) =
        (props.get_mut(key).and_then(Value::as_object_mut), rules)
    else {
        return;
    };
    p.extend(rules);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_lands_on_a_property_that_exists() {
        let doc = super::super::value();
        let s = &doc["components"]["schemas"];
        assert_eq!(
            s["RequestProvider"]["properties"]["npi"]["pattern"],
            "^[0-9]{10}$"
        );
        assert_eq!(
            s["RequestPerson"]["properties"]["dateOfBirth"]["pattern"],
            DATE
        );
        assert_eq!(
            s["Encounter"]["properties"]["serviceTypeCodes"]["maxItems"],
            99
        );
        assert_eq!(
            s["Encounter"]["properties"]["serviceTypeCodes"]["items"]["pattern"],
            "^[A-Za-z0-9]{1,2}$"
        );
        assert_eq!(
            s["TokenRequest"]["properties"]["grant_type"]["enum"],
            json!(["client_credentials"])
        );
        assert_eq!(s["EligibilityRequest"]["required"][2], "subscriber");
        for name in ["EligibilityRequest", "RawX12Body", "TokenRequest"] {
            assert!(s[name]["examples"][0].is_object(), "{name}");
        }
    }
}
