//! The search options of 005010X279A1 §1.4.8, for a subscriber and for a dependent patient, on
//! every route: raw X12 on both paths and JSON on both paths. Each option the guide allows is
//! answered by the sandbox; a patient no option identifies is refused, in each route's shape.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::json_endpoint::{CHANGE, STEDI};

/// A 270 whose patient is identified by `patient` (2100C, or 2100D when `subscriber` is given for
/// 2100C), with the segment count right, so nothing is repaired.
fn x12(subscriber: Option<&str>, patient: &str) -> String {
    let mut body = vec![
        "BHT*0022*13*10001234*20260101*1200".to_owned(),
        "HL*1**20*1".into(),
        "NM1*PR*2*ACME HEALTH PLAN*****PI*842610001".into(),
        "HL*2*1*21*1".into(),
        "NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893".into(),
    ];
    if let Some(sub) = subscriber {
        body.push("HL*3*2*22*1".into());
        body.extend(sub.split('~').filter(|s| !s.is_empty()).map(str::to_owned));
        body.push("HL*4*3*23*0".into());
    } else {
        body.push("HL*3*2*22*0".into());
    }
    body.push("TRN*1*93175-012547*9877281234".into());
    body.extend(
        patient
            .split('~')
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    body.push("EQ*30".into());
    let count = body.len() + 2;
    format!(
        "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*T*:~\
         GS*HS*SUBMITTER*RECEIVER*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~{}~SE*{count}*0001~GE*1*1~IEA*1*000000001~",
        body.join("~")
    )
}

/// A JSON request for the sandbox payer with these `subscriber` (and `dependents`).
fn request(subscriber: &Value, dependent: Option<&Value>) -> Value {
    let mut r = json!({
        "controlNumber": "123456789",
        "tradingPartnerServiceId": "842610001",
        "provider": {"organizationName": "BONE AND JOINT CLINIC", "npi": "1234567893"},
        "subscriber": subscriber,
        "encounter": {"serviceTypeCodes": ["30"]}
    });
    if let Some(d) = dependent {
        r["dependents"] = json!([d]);
    }
    r
}

/// One search option, as X12 and as JSON, and whether the sandbox finds a member by it.
struct Option_ {
    name: &'static str,
    x12: String,
    json: Value,
    member: bool,
}

fn options() -> Vec<Option_> {
    let sub = |name, x: &str, j: Value, member| Option_ {
        name,
        x12: x12(None, x),
        json: request(&j, None),
        member,
    };
    vec![
        sub(
            "subscriber: member ID alone",
            "NM1*IL*1******MI*0000000001~",
            json!({"memberId": "0000000001"}),
            true,
        ),
        sub(
            "subscriber: member ID and name",
            "NM1*IL*1*DOEONE*JOHNONE****MI*0000000001~",
            json!({"memberId": "0000000001", "firstName": "johnOne", "lastName": "doeOne"}),
            true,
        ),
        sub(
            "subscriber: member ID and date of birth",
            "NM1*IL*1******MI*0000000001~DMG*D8*18800102~",
            json!({"memberId": "0000000001", "dateOfBirth": "18800102"}),
            true,
        ),
        sub(
            "subscriber: name and date of birth",
            "NM1*IL*1*DOEONE*JOHNONE~DMG*D8*18800102~",
            json!({"firstName": "johnOne", "lastName": "doeOne", "dateOfBirth": "18800102"}),
            true,
        ),
        sub(
            "subscriber: SSN and date of birth",
            "NM1*IL*1~REF*SY*123456789~DMG*D8*18800102~",
            json!({"ssn": "123456789", "dateOfBirth": "18800102"}),
            false,
        ),
        Option_ {
            name: "dependent: name and date of birth under the subscriber's member ID",
            x12: x12(
                Some("NM1*IL*1******MI*0000000001~"),
                "NM1*03*1*DOEONE*JANEONE~DMG*D8*19900101~",
            ),
            json: request(
                &json!({"memberId": "0000000001"}),
                Some(
                    &json!({"firstName": "janeOne", "lastName": "doeOne", "dateOfBirth": "19900101"}),
                ),
            ),
            member: true,
        },
    ]
}

fn has_active_coverage(body: &Value) -> bool {
    body["benefitsInformation"]
        .as_array()
        .is_some_and(|b| b.iter().any(|e| e["code"] == "1"))
}

async fn post_json(app: &TestApp, path: &str, body: &Value) -> (StatusCode, Value) {
    let res = app
        .post(path)
        .header("Authorization", DEMO_KEY)
        .json(body)
        .send()
        .await
        .expect("POST");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Every answer of every route for `o`.
async fn answers(app: &TestApp, o: &Option_) -> Vec<(String, StatusCode, Value)> {
    let mut out = Vec::new();
    for path in [RAW, RAW_BARE] {
        let (s, b) = app.raw_x12_with(path, Some(DEMO_KEY), &o.x12).await;
        out.push((format!("{} on {path}", o.name), s, b));
    }
    for path in [CHANGE, STEDI] {
        let (s, b) = post_json(app, path, &o.json).await;
        out.push((format!("{} on {path}", o.name), s, b));
    }
    out
}

#[tokio::test]
async fn every_search_option_of_the_guide_is_answered_on_every_route() {
    let app = spawn_app(|_| {}).await;
    let doc = crate::openapi::document(&app).await;
    for o in options() {
        for (why, status, body) in answers(&app, &o).await {
            let path = why.rsplit(" on ").next().unwrap();
            crate::openapi::check(&doc, "post", path, status, &body);
            assert_eq!(status, StatusCode::OK, "{why}: {body}");
            assert!(
                body["x12"].as_str().is_some_and(|x| x.contains("ST*271*")),
                "{why}: a 271-backed answer: {body}"
            );
            let refused = body["errors"].as_array().is_some_and(|e| {
                e.iter()
                    .any(|e| e["code"] == "71" || e["rule"] == "search_option")
            });
            assert!(!refused, "{why}: not refused: {body}");
            assert!(
                body["warnings"].as_array().is_none_or(Vec::is_empty),
                "{why}: nothing repaired: {body}"
            );
            assert_eq!(
                has_active_coverage(&body),
                o.member,
                "{why}: the sandbox finds its member by this option: {body}"
            );
        }
    }
}

#[tokio::test]
async fn a_patient_no_search_option_identifies_is_refused_on_every_route() {
    let app = spawn_app(|_| {}).await;
    let cases = [
        Option_ {
            name: "subscriber: date of birth alone",
            x12: x12(None, "NM1*IL*1~DMG*D8*18800102~"),
            json: request(&json!({"dateOfBirth": "18800102"}), None),
            member: false,
        },
        Option_ {
            name: "subscriber: name without date of birth",
            x12: x12(None, "NM1*IL*1*DOEONE*JOHNONE~"),
            json: request(&json!({"firstName": "johnOne", "lastName": "doeOne"}), None),
            member: false,
        },
        Option_ {
            name: "dependent: subscriber without member ID",
            x12: x12(
                Some("NM1*IL*1*DOEONE*JOHNONE~"),
                "NM1*03*1*DOEONE*JANEONE~DMG*D8*19900101~",
            ),
            json: request(
                &json!({"firstName": "johnOne", "lastName": "doeOne"}),
                Some(
                    &json!({"firstName": "janeOne", "lastName": "doeOne", "dateOfBirth": "19900101"}),
                ),
            ),
            member: false,
        },
    ];
    let doc = crate::openapi::document(&app).await;
    for o in cases {
        let all = answers(&app, &o).await;
        for (why, status, body) in &all {
            let path = why.rsplit(" on ").next().unwrap();
            crate::openapi::check(&doc, "post", path, *status, body);
        }
        for (why, status, body) in &all[..2] {
            assert_eq!(*status, StatusCode::BAD_REQUEST, "{why}: {body}");
            assert!(
                body["errors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["rule"] == "search_option" && e["location"] == "Loop 2100C"),
                "{why}: {body}"
            );
        }
        let (why, status, body) = &all[2];
        assert_eq!(*status, StatusCode::OK, "{why}: Change answers in a 200");
        let errors = body["errors"].as_array().unwrap();
        assert!(
            errors
                .iter()
                .all(|e| e["field"].as_str().unwrap().starts_with("subscriber")),
            "{why}: {body}"
        );
        assert!(body.get("x12").is_none(), "{why}: nothing was sent");
        let (why, status, body) = &all[3];
        assert_eq!(*status, StatusCode::BAD_REQUEST, "{why}: {body}");
        assert!(
            body["fieldList"][0]["path"]
                .as_str()
                .unwrap()
                .starts_with("/subscriber"),
            "{why}: {body}"
        );
    }
}

/// A JSON request whose built 270 the validator refuses (here because the operator's
/// `trace_originator` is short) is told at the JSON fields, never at X12 positions.
#[tokio::test]
async fn a_refused_built_270_is_told_in_json_fields_on_both_json_paths() {
    let app = spawn_app(|s| s.x12.trace_originator = "9GATEWAY".into()).await;
    let req = request(&json!({"memberId": "0000000001"}), None);
    let (status, body) = post_json(&app, CHANGE, &req).await;
    assert_eq!(status, StatusCode::OK, "Change's documented 200: {body}");
    let obj = body.as_object().unwrap();
    assert_eq!(obj.keys().collect::<Vec<_>>(), ["errors"], "{body}");
    let errors = body["errors"].as_array().unwrap();
    assert!(!errors.is_empty());
    for e in errors {
        let field = e["field"].as_str().unwrap();
        let text = e["description"].as_str().unwrap();
        assert_eq!(field, "subscriber", "{body}");
        for x12 in ["Loop", "segment", "TRN", "byte"] {
            assert!(!text.contains(x12), "no X12 position in {text}");
        }
    }
    let (status, body) = post_json(&app, STEDI, &req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "INVALID_REQUEST", "{body}");
    assert_eq!(body["fieldList"][0]["path"], "/subscriber", "{body}");
}
