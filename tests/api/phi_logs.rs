//! PHI never reaches a log line: distinctive fake names, member IDs and birth dates go through
//! every path (success, AAA, invalid 270, timeout, 401), and the capture holds none of them while
//! it does hold those requests' IDs (so the test can fail).

use reqwest::StatusCode;

use crate::helpers::*;

const LAST: &str = "QZPHILASTNAME";
const FIRST: &str = "XJPHIFIRST";
const MEMBER: &str = "PHIMBR77341";
const DOB: &str = "19770707";

fn phi_270(payer: &str) -> String {
    inquiry(payer, MEMBER, LAST, FIRST).replace("DMG*D8*19430519", &format!("DMG*D8*{DOB}"))
}

async fn send(app: &TestApp, auth: &str, x12: &str) -> (StatusCode, String) {
    let res = app
        .post(RAW)
        .header("Authorization", auth)
        .json(&serde_json::json!({ "x12": x12 }))
        .send()
        .await
        .unwrap();
    let id = res
        .headers()
        .get("x-request-id")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let status = res.status();
    (status, id)
}

#[tokio::test]
async fn no_phi_in_any_log_line() {
    let logs = captured_logs();
    let app = spawn_app(|_| {}).await;
    let slow = spawn_app(|s| {
        s.sandbox.delay_ms = 5_000;
        s.payer.timeout_ms = 50;
    })
    .await;
    let mut ids = Vec::new();
    for (app, auth, x12, want) in [
        (&app, DEMO_KEY, phi_270("842610001"), StatusCode::OK),
        (&app, DEMO_KEY, phi_270("00004"), StatusCode::OK),
        (&app, DEMO_KEY, phi_270("000002"), StatusCode::BAD_GATEWAY),
        (
            &app,
            DEMO_KEY,
            phi_270("842610001").replace("~DMG*", "~dmg*"),
            StatusCode::BAD_REQUEST,
        ),
        (
            &app,
            "wrong-key",
            phi_270("842610001"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            &slow,
            DEMO_KEY,
            phi_270("842610001"),
            StatusCode::GATEWAY_TIMEOUT,
        ),
    ] {
        let (status, id) = send(app, auth, &x12).await;
        assert_eq!(status, want);
        ids.push(id);
    }
    // The log line is written once the response is ready; give the writer a bounded moment.
    for _ in 0..100 {
        let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        if ids.iter().all(|id| text.contains(id.as_str())) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for id in &ids {
        assert!(text.contains(id.as_str()), "request {id} was logged");
    }
    for phi in [LAST, FIRST, MEMBER, DOB, "ISA*00*", DEMO_KEY, "wrong-key"] {
        assert!(!text.contains(phi), "`{phi}` leaked into the logs");
    }
    let line = text.lines().find(|l| l.contains(&ids[0])).unwrap();
    let v: serde_json::Value = serde_json::from_str(line).expect("JSON log lines");
    assert_eq!(v["status"], 200);
    assert_eq!(v["span"]["account"], "demo");
    assert_eq!(v["span"]["payer_id"], "842610001");
    // The request's own fields at the top level too, and the latency in fractional milliseconds
    // (sandbox answers take under one).
    assert_eq!(v["account"], "demo");
    assert_eq!(v["payer_id"], "842610001");
    assert_eq!(v["request_id"], ids[0].as_str());
    assert_eq!(v["method"], "POST");
    assert_eq!(v["route"], "/change/medicalnetwork/eligibility/v3/raw-x12");
    assert!(v["latency_ms"].is_f64(), "{v}");
    assert!(v["latency_ms"].as_f64().unwrap() > 0.0, "{v}");
}

/// The paths beyond the happy one: both 429s (account limit, failed-auth throttle), a payer whose
/// 271 cannot be read (kept for the caller only), a CORE refusal echoing the member, and the
/// token endpoint given PHI as credentials.
#[tokio::test]
async fn no_phi_in_logs_on_limit_throttle_payer_fault_connector_and_token_paths() {
    use crate::fakes::{CoreReply, connector, core_fake, production, stedi, stedi_fake, unique};
    let mut ids = Vec::new();

    // Account limit: one slot, held by a slow sandbox answer.
    let limited = spawn_app(|s| {
        s.limits.per_account = 1;
        s.sandbox.delay_ms = 3_000;
    })
    .await;
    let held = {
        let (base, x12) = (limited.base.clone(), phi_270("842610001"));
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(format!("{base}{RAW}"))
                .header("Authorization", DEMO_KEY)
                .json(&serde_json::json!({ "x12": x12 }))
                .send()
                .await
                .map(|r| r.status())
        })
    };
    limited.wait_for_free_slots(0).await;
    let (status, id) = send(&limited, DEMO_KEY, &phi_270("842610001")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    ids.push(id);
    held.abort();

    // Failed-auth throttle.
    let throttled = spawn_app(|s| s.auth.failures_per_minute = 1).await;
    let (status, id) = send(&throttled, "wrong-key", &phi_270("842610001")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    ids.push(id);
    let (status, _) = send(&throttled, DEMO_KEY, &phi_270("842610001")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // A payer answering something that is not a 271 but carries the member.
    let key = unique("stedi-key");
    let key_file = secret_file(&key);
    let garbage = format!("NOT A 271 NM1*IL*1*{LAST}*{FIRST}****MI*{MEMBER}~DMG*D8*{DOB}~");
    let (_fake, url) = stedi_fake(&key, &garbage).await;
    let path = key_file.path();
    let faulty = spawn_app(move |s| {
        production(s);
        s.payers.connectors.insert("up".into(), stedi(&url, &path));
        s.payers.default = "up".into();
    })
    .await;
    let res = faulty
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&serde_json::json!({ "x12": phi_270("842610001") }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    ids.push(request_id(&res));
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body.to_string().contains(MEMBER),
        "the caller gets the payer's document back"
    );

    // A CORE endpoint refusing with the member in its message.
    let password = unique("core-password");
    let password_file = secret_file(&password);
    let echo: &'static str =
        Box::leak(format!("member {MEMBER} {LAST} {FIRST} born {DOB} not found").into_boxed_str());
    let (_core, core_url) = core_fake(
        ("gateway-user", &password),
        CoreReply::Error("Receiver", echo),
    )
    .await;
    let password_path = password_file.path();
    let core = spawn_app(move |s| {
        production(s);
        s.payers.connectors.insert(
            "core-payer".into(),
            connector(serde_json::json!({
                "kind": "caqh-core", "url": core_url, "sender_id": "GATEWAY01",
                "receiver_id": "00123", "username": "gateway-user",
                "password_file": password_path,
            })),
        );
        s.payers.routes.insert("00123".into(), "core-payer".into());
    })
    .await;
    let (status, id) = send(&core, DEMO_KEY, &phi_270("00123")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    ids.push(id);

    // The token endpoint with PHI where the credentials go.
    let res = core
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", MEMBER),
            ("client_secret", LAST),
        ])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    ids.push(request_id(&res));

    let text = logs_text();
    for id in &ids {
        assert!(text.contains(id.as_str()), "request {id} was logged");
    }
    for phi in [LAST, FIRST, MEMBER, DOB, "ISA*00*", "NOT A 271", DEMO_KEY] {
        assert!(!text.contains(phi), "`{phi}` leaked into the logs");
    }
}
