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
    assert!(v["latency_ms"].is_u64());
}
