//! `POST …/eligibility/v3` (JSON): both paths, against the sandbox and the shared limiter, with
//! each anchor's error convention.

use std::sync::Arc;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// Change's path (its spec also has a trailing slash).
pub const CHANGE: &str = "/medicalnetwork/eligibility/v3";
/// Stedi's path.
pub const STEDI: &str = "/change/medicalnetwork/eligibility/v3";

/// Change's bare-minimum request (json-endpoint.md §2.2, CHC-BARE).
pub fn bare_minimum() -> Value {
    json!({"controlNumber": "123456789", "tradingPartnerServiceId": "serviceId",
     "provider": {"organizationName": "provider_name", "npi": "0123456789"},
     "subscriber": {"firstName": "johnOne", "lastName": "doeOne", "dateOfBirth": "18800102", "memberId": "0000000000"},
     "encounter": {"dateOfService": "20100101", "serviceTypeCodes": ["30"]}})
}

async fn post(app: &TestApp, path: &str, auth: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut req = app.post(path).json(body);
    if let Some(a) = auth {
        req = req.header("Authorization", a);
    }
    let res = req.send().await.expect("POST");
    let status = res.status();
    let body = res.json().await.unwrap_or(Value::Null);
    // Every JSON-route answer these tests get is checked against the served document.
    if !body.is_null() {
        crate::openapi::check_served(path, status, &body);
    }
    (status, body)
}

fn has_active_coverage(body: &Value) -> bool {
    body["benefitsInformation"]
        .as_array()
        .is_some_and(|b| b.iter().any(|e| e["code"] == "1"))
}

#[tokio::test]
async fn bare_minimum_request_gets_active_coverage_on_every_path() {
    let app = spawn_app(|_| {}).await;
    for path in [CHANGE, "/medicalnetwork/eligibility/v3/", STEDI] {
        let (status, body) = post(&app, path, Some(DEMO_KEY), &bare_minimum()).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["controlNumber"], "123456789", "{path}: echoed");
        assert_eq!(body["tradingPartnerServiceId"], "serviceId", "{path}");
        assert!(has_active_coverage(&body), "{path}: active coverage");
        assert!(body["x12"].as_str().unwrap().contains("ST*271*"), "{path}");
    }
}

#[tokio::test]
async fn a_missing_control_number_is_generated_and_returned() {
    let app = spawn_app(|_| {}).await;
    let mut req = bare_minimum();
    req.as_object_mut().unwrap().remove("controlNumber");
    let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cn = body["controlNumber"].as_str().unwrap();
    assert!(
        cn.len() == 9 && cn.bytes().all(|b| b.is_ascii_digit()),
        "{cn}"
    );
}

#[tokio::test]
async fn bearer_tokens_work_and_no_credentials_get_401_on_both_paths() {
    let app = spawn_app(|_| {}).await;
    for path in [CHANGE, STEDI] {
        let (status, body) = post(&app, path, None, &bare_minimum()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(body["code"], "UNAUTHORIZED");
        let (status, _) = post(&app, path, Some("wrong-key"), &bare_minimum()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, body) = post(
        &app,
        STEDI,
        Some(&format!("Key {DEMO_KEY}")),
        &bare_minimum(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "Stedi's legacy `Key` form: {body}");
    let token = app.demo_token().await;
    let (status, body) = post(
        &app,
        CHANGE,
        Some(&format!("Bearer {token}")),
        &bare_minimum(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn legacy_and_unknown_fields_are_ignored() {
    let app = spawn_app(|_| {}).await;
    let mut req = bare_minimum();
    req["partnerId"] = json!(true);
    req["tradingPartnerId"] = json!("CHCSBX");
    req["provider"]["name"] = json!(true);
    req["provider"]["person"] = json!(true);
    req["subscriber"]["somethingNew"] = json!({"deep": [1, 2]});
    req["externalPatientId"] = json!("p-1");
    req["informationReceiverName"] = Value::Null;
    for path in [CHANGE, STEDI] {
        let (status, body) = post(&app, path, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(has_active_coverage(&body), "{path}");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_gets_400_on_both_paths() {
    let app = spawn_app(|_| {}).await;
    for path in [CHANGE, STEDI] {
        for body in ["not json", "", "[1, 2]", "{\"subscriber\": "] {
            let res = app
                .post(path)
                .header("Authorization", DEMO_KEY)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{path} {body:?}");
            let j: Value = res.json().await.unwrap();
            assert_eq!(j["code"], "BAD_REQUEST", "{path} {body:?}");
        }
    }
}

/// `(why, change to the bare-minimum request, field, description)`; Stedi's path answers the same
/// problems as `fieldList` entries with JSON Pointer paths.
type Row = (&'static str, fn(&mut Value), &'static str, &'static str);

const INVALID: &[Row] = &[
    (
        "control number of 8 digits",
        |r| r["controlNumber"] = json!("12345678"),
        "controlNumber",
        "controlNumber must be exactly 9 characters long.",
    ),
    (
        "control number as a number",
        |r| r["controlNumber"] = json!(123_456_789),
        "controlNumber",
        "controlNumber must be a string.",
    ),
    (
        "no payer",
        |r| {
            r.as_object_mut().unwrap().remove("tradingPartnerServiceId");
        },
        "tradingPartnerServiceId",
        "tradingPartnerServiceId is required: it names the payer (2100A NM109).",
    ),
    (
        "blank optional field",
        |r| r["subscriber"]["middleName"] = json!(""),
        "subscriber.middleName",
        "subscriber.middleName must not be blank: omit the field or send null when there is no value.",
    ),
    (
        "date that does not exist",
        |r| r["subscriber"]["dateOfBirth"] = json!("19990231"),
        "subscriber.dateOfBirth",
        "subscriber.dateOfBirth Invalid date format. Please use the following format: yyyyMMdd (a date that exists).",
    ),
    (
        "NPI with a bad check digit",
        |r| r["provider"]["npi"] = json!("1234567890"),
        "provider.npi",
        "provider.npi is not a valid NPI: its check digit does not match.",
    ),
    (
        "no provider identifier",
        |r| {
            r["provider"].as_object_mut().unwrap().remove("npi");
        },
        "provider.npi",
        "provider.npi is required: the provider needs an identifier (npi, or taxId, serviceProviderNumber, payorId, pharmacyProcessorNumber, servicesPlanID, employersId, ssn).",
    ),
    (
        "no provider name",
        |r| {
            r["provider"]
                .as_object_mut()
                .unwrap()
                .remove("organizationName");
        },
        "provider",
        "provider needs a name: provide organizationName, or firstName and lastName.",
    ),
    (
        "provider code not in the list",
        |r| r["provider"]["providerCode"] = json!("XX"),
        "provider.providerCode",
        "provider.providerCode is not an allowed value. Allowed values are: AD, AT, BI, CO, CV, H, HH, LA, OT, P1, P2, PC, PE, R, RF, SB, SK, SU.",
    ),
    (
        "subscriber cannot be found",
        |r| r["subscriber"] = json!({"firstName": "johnOne"}),
        "subscriber",
        "subscriber cannot be identified: send memberId, or firstName, lastName and dateOfBirth (memberId, firstName, lastName and dateOfBirth match best).",
    ),
    (
        "two dependents",
        |r| r["dependents"] = json!([{"firstName": "janeOne"}, {"firstName": "janeTwo"}]),
        "dependents",
        "dependents may hold at most 1 item.",
    ),
    (
        "begin date without end",
        |r| {
            r["encounter"] = json!({"beginningDateOfService": "20100101"});
        },
        "encounter.endDateOfService",
        "encounter.endDateOfService is required with beginningDateOfService.",
    ),
    (
        "end before begin",
        |r| {
            r["encounter"] =
                json!({"beginningDateOfService": "20100102", "endDateOfService": "20100101"});
        },
        "encounter.endDateOfService",
        "encounter.endDateOfService must not be before beginningDateOfService.",
    ),
    (
        "unknown service type",
        |r| r["encounter"]["serviceTypeCodes"] = json!(["30", "ZZ9"]),
        "encounter.serviceTypeCodes[1]",
        "encounter.serviceTypeCodes[1] must be 1 to 2 characters long.",
    ),
    (
        "service type outside 005010X279A1 (in Stedi's list, not in 5010)",
        |r| r["encounter"]["serviceTypeCodes"] = json!(["V3"]),
        "encounter.serviceTypeCodes[0]",
        "encounter.serviceTypeCodes[0] is not a service type code of 005010X279A1 (EQ01).",
    ),
    (
        "principal diagnosis not first",
        |r| {
            r["subscriber"]["healthCareCodeInformation"] =
                json!([{"diagnosisTypeCode": "ABF", "diagnosisCode": "E119"}]);
        },
        "subscriber.healthCareCodeInformation[0].diagnosisTypeCode",
        "subscriber.healthCareCodeInformation[0].diagnosisTypeCode must be ABK or BK for the first code (principal diagnosis).",
    ),
    (
        "delimiter inside a value",
        |r| r["subscriber"]["lastName"] = json!("DOE*ONE"),
        "subscriber.lastName",
        "subscriber.lastName contains a character X12 cannot carry (the delimiters `*`, `~`, `:`, `^`, control characters or non-ASCII).",
    ),
];

fn pointer(dotted: &str) -> String {
    let mut out = String::new();
    for part in dotted.split('.') {
        for (i, piece) in part.split('[').enumerate() {
            out.push('/');
            out.push_str(if i == 0 {
                piece
            } else {
                piece.trim_end_matches(']')
            });
        }
    }
    out
}

#[tokio::test]
async fn invalid_requests_get_each_anchors_error_shape() {
    let app = spawn_app(|_| {}).await;
    for (why, change, field, description) in INVALID {
        let mut req = bare_minimum();
        change(&mut req);
        let (status, body) = post(&app, CHANGE, Some(DEMO_KEY), &req).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{why}: Change answers validation errors with 200"
        );
        assert_eq!(
            body,
            json!({"errors": [{"field": field, "description": description}]}),
            "{why}"
        );
        if *field == "controlNumber" {
            // Deprecated on Stedi's path: replaced, not refused (see the test below).
            continue;
        }
        let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: Stedi answers 400");
        assert_eq!(
            body,
            json!({
                "message": format!("1 validation error detected: {description}"),
                "code": "INVALID_REQUEST",
                "fieldList": [{"path": pointer(field), "message": description}],
            }),
            "{why}"
        );
    }
}

#[tokio::test]
async fn every_problem_is_reported_at_once_and_no_member_data_is_echoed() {
    let app = spawn_app(|_| {}).await;
    let req = json!({"controlNumber": "12", "provider": {"npi": "1234567890"},
        "subscriber": {"lastName": "ZZSECRETLAST*", "dateOfBirth": "2099-01-01", "memberId": "MEM~BER"},
        "encounter": {"serviceTypeCodes": "30"}});
    let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let paths: Vec<&str> = body["fieldList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        !paths.contains(&"/controlNumber"),
        "deprecated on Stedi's path: replaced, not refused: {paths:?}"
    );
    for want in [
        "/tradingPartnerServiceId",
        "/provider",
        "/provider/npi",
        "/subscriber/lastName",
        "/subscriber/dateOfBirth",
        "/subscriber/memberId",
        "/encounter/serviceTypeCodes",
    ] {
        assert!(paths.contains(&want), "{want} in {paths:?}");
    }
    let text = body.to_string();
    for secret in ["ZZSECRETLAST", "MEM~BER", "2099-01-01"] {
        assert!(!text.contains(secret), "{secret} echoed");
    }
}

/// Change's test payer IDs (src/payer/sandbox/scenario.rs).
const TEST_PAYERS: &[&str] = &[
    "00001", "000002", "00003", "00004", "00005", "00006", "00007", "00009", "000030", "000031",
    "000041", "000050", "000069", "000070",
];

fn codes(v: &Value, list: &str, key: &str) -> Vec<Value> {
    v[list]
        .as_array()
        .map(|a| a.iter().map(|e| e[key].clone()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_sandbox_scenario_answers_through_json_as_through_raw_x12() {
    let app = spawn_app(|_| {}).await;
    for payer in TEST_PAYERS
        .iter()
        .copied()
        .chain(["842610001", "999999999"])
    {
        let member = if payer == "999999999" {
            "NOSUCHMEMBER"
        } else {
            "0000000001"
        };
        let mut req = bare_minimum();
        req["tradingPartnerServiceId"] = json!(payer);
        req["subscriber"] = json!({"memberId": member, "firstName": "JOHNONE",
            "lastName": "DOEONE", "dateOfBirth": "18800102"});
        let (js, jb) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
        let (rs, rb) = app
            .raw_x12(&inquiry(payer, member, "DOEONE", "JOHNONE"))
            .await;
        assert_eq!(js, rs, "{payer}: same status as raw-x12 ({jb})");
        if js == StatusCode::OK {
            assert_eq!(jb["controlNumber"], "123456789", "{payer}");
            assert_eq!(jb["tradingPartnerServiceId"], payer, "{payer}");
            for (list, key) in [
                ("benefitsInformation", "code"),
                ("errors", "code"),
                ("planStatus", "statusCode"),
            ] {
                assert_eq!(
                    codes(&jb, list, key),
                    codes(&rb, list, key),
                    "{payer}: {list}"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_dependent_is_the_patient_and_gets_a_dependent_answer() {
    let app = spawn_app(|_| {}).await;
    let mut req = bare_minimum();
    req["dependents"] = json!([{"firstName": "janeOne", "lastName": "doeOne",
        "dateOfBirth": "20150421", "gender": "F", "individualRelationshipCode": "19"}]);
    for path in [CHANGE, STEDI] {
        let (status, body) = post(&app, path, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert!(body["dependents"].is_array(), "{path}: {body}");
    }
    req["tradingPartnerServiceId"] = json!("00009");
    let (status, body) = post(&app, CHANGE, Some(DEMO_KEY), &req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["dependents"].is_array(), "00009: {body}");
}

#[tokio::test]
async fn json_and_raw_x12_calls_share_the_accounts_five_slots() {
    let app = Arc::new(spawn_app(|s| s.sandbox.delay_ms = 60_000).await);
    let mut held = Vec::new();
    for i in 0..5 {
        let one = Arc::clone(&app);
        held.push(tokio::spawn(async move {
            if i % 2 == 0 {
                post(&one, CHANGE, Some(DEMO_KEY), &bare_minimum()).await.0
            } else {
                one.raw_x12(&member_inquiry()).await.0
            }
        }));
        app.wait_for_free_slots(4 - i).await;
    }
    let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &bare_minimum()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "TOO_MANY_REQUESTS");
    let (status, _) = post(&app, CHANGE, Some(DEMO_KEY), &bare_minimum()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "Change's path too");
    let (status, _) = app.raw_x12(&member_inquiry()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "and raw-x12");
    for h in &held {
        h.abort();
    }
    app.wait_for_free_slots(5).await;
    let invalid = json!({"subscriber": {}});
    let (status, _) = post(&app, STEDI, Some(DEMO_KEY), &invalid).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(app.free_slots(), 5, "an invalid request never takes a slot");
}

#[tokio::test]
async fn no_phi_from_json_requests_in_any_log_line() {
    const LAST: &str = "QZJSONLASTNAME";
    const FIRST: &str = "XJJSONFIRST";
    const MEMBER: &str = "JSONMBR88112";
    const DOB: &str = "19680808";
    let app = spawn_app(|_| {}).await;
    let valid = json!({"tradingPartnerServiceId": "00006",
        "provider": {"organizationName": "X", "npi": "1234567893"},
        "subscriber": {"memberId": MEMBER, "firstName": FIRST, "lastName": LAST, "dateOfBirth": DOB}});
    let mut invalid = valid.clone();
    invalid["subscriber"]["lastName"] = json!(format!("{LAST}*"));
    invalid["subscriber"]["memberId"] = json!(format!("{MEMBER}~"));
    let mut ids = Vec::new();
    for (path, body) in [
        (CHANGE, &valid),
        (STEDI, &valid),
        (CHANGE, &invalid),
        (STEDI, &invalid),
    ] {
        let res = app
            .post(path)
            .header("Authorization", DEMO_KEY)
            .json(body)
            .send()
            .await
            .unwrap();
        ids.push(request_id(&res));
        let text = res.text().await.unwrap();
        if body == &invalid {
            assert!(!text.contains(LAST) && !text.contains(MEMBER), "{text}");
        }
    }
    for id in &ids {
        assert_not_logged(id, &[LAST, FIRST, MEMBER, DOB]);
    }
}

#[tokio::test]
async fn a_body_over_the_limit_gets_413_on_both_paths() {
    let app = spawn_app(|s| s.server.max_body_bytes = 512).await;
    let mut req = bare_minimum();
    req["padding"] = json!("x".repeat(1024));
    for path in [CHANGE, STEDI] {
        let (status, body) = post(&app, path, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
        assert_eq!(body["code"], "PAYLOAD_TOO_LARGE");
    }
}

fn warning_codes(body: &Value) -> Vec<&str> {
    body["warnings"]
        .as_array()
        .map(|w| w.iter().filter_map(|w| w["code"].as_str()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn stedi_path_replaces_a_control_number_that_is_not_9_digits_and_says_so() {
    let app = spawn_app(|_| {}).await;
    // Hike's SDK sends `ELG<ms><random>`, ~25 characters; others send numbers or short strings.
    for sent in [
        json!("ELG1732457000123abcdefghij"),
        json!("12345678"),
        json!(123_456_789),
        json!(""),
    ] {
        let mut req = bare_minimum();
        req["controlNumber"] = sent.clone();
        let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::OK, "{sent}: {body}");
        assert!(has_active_coverage(&body), "{sent}");
        let cn = body["controlNumber"].as_str().unwrap();
        assert!(
            cn.len() == 9 && cn.bytes().all(|b| b.is_ascii_digit()),
            "{sent}: generated {cn}"
        );
        assert!(
            body["x12"].as_str().unwrap().contains(&format!("*{cn}*")),
            "{sent}: the 271 answers the generated number"
        );
        assert_eq!(
            warning_codes(&body),
            ["request::json::control_number_replaced"],
            "{sent}"
        );
        // Change's path stays strict: the same request is refused there.
        let (status, body) = post(&app, CHANGE, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::OK, "{sent}");
        assert_eq!(
            body["errors"][0]["field"], "controlNumber",
            "{sent}: {body}"
        );
        assert!(body.get("x12").is_none(), "{sent}: nothing sent");
    }
    // A valid one is kept as sent, without a warning.
    let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &bare_minimum()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["controlNumber"], "123456789");
    assert!(warning_codes(&body).is_empty(), "{body}");
}

#[tokio::test]
async fn a_dependents_member_id_is_not_sent_and_the_caller_is_warned() {
    let app = spawn_app(|_| {}).await;
    let mut req = bare_minimum();
    req["dependents"] = json!([{"firstName": "janeOne", "lastName": "doeOne",
        "dateOfBirth": "20150421", "gender": "F", "individualRelationshipCode": "19",
        "memberId": "DEPMEMBER77"}]);
    for path in [CHANGE, STEDI] {
        let (status, body) = post(&app, path, Some(DEMO_KEY), &req).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        let warning = body["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["code"] == "request::json::dependent_member_id_ignored")
            .unwrap_or_else(|| panic!("{path}: no warning in {body}"));
        assert_eq!(warning["location"], "Loop 2100D", "{path}");
        let description = warning["description"].as_str().unwrap();
        assert!(
            description.contains("dependents[0].memberId"),
            "{description}"
        );
        assert!(
            !description.contains("DEPMEMBER77"),
            "no member data echoed"
        );
        assert!(
            body["dependents"].is_array(),
            "{path}: still a dependent answer"
        );
    }
    // Without one, no such warning.
    req["dependents"][0]
        .as_object_mut()
        .unwrap()
        .remove("memberId");
    let (status, body) = post(&app, STEDI, Some(DEMO_KEY), &req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !warning_codes(&body).contains(&"request::json::dependent_member_id_ignored"),
        "{body}"
    );
}

#[tokio::test]
async fn the_404_names_the_json_routes_too() {
    let app = spawn_app(|_| {}).await;
    let (status, body) = post(
        &app,
        "/medicalnetwork/eligibility/v2",
        Some(DEMO_KEY),
        &bare_minimum(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "NOT_FOUND");
    let message = body["message"].as_str().unwrap();
    for route in [
        "/change/medicalnetwork/eligibility/v3/raw-x12",
        "/medicalnetwork/eligibility/v3/raw-x12",
        "/change/medicalnetwork/eligibility/v3 ",
        "/medicalnetwork/eligibility/v3 ",
    ] {
        assert!(message.contains(route), "{route} in {message}");
    }
}
