//! Payer aliases and NPI rules over HTTP: on every eligibility route the 270 a loopback upstream
//! receives carries the real payer ID and the rule's NPI, and the answer says so in `warnings`.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use eligibility_gateway::app::App;
use eligibility_gateway::config::{NpiRuleSettings, PayerAliasSettings, Settings};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fakes::{SUBSCRIBER_271, StediFake, production, stedi, stedi_fake, unique};
use crate::helpers::*;
use crate::json_endpoint::{CHANGE, STEDI, bare_minimum};

fn alias(
    alias: &str,
    payer_id: &str,
    from: Option<&str>,
    until: Option<&str>,
) -> PayerAliasSettings {
    PayerAliasSettings {
        alias: alias.into(),
        payer_id: payer_id.into(),
        from: from.map(Into::into),
        until: until.map(Into::into),
    }
}

fn npi_rule(npi: &str, payer_id: Option<&str>, facility: Option<&str>) -> NpiRuleSettings {
    NpiRuleSettings {
        npi: npi.into(),
        payer_id: payer_id.map(Into::into),
        facility: facility.map(Into::into),
    }
}

/// The demo account in production, payer 87726 routed to a Stedi-like fake, with `rules`.
async fn app_with(
    rules: impl FnOnce(&mut Settings),
) -> (TestApp, Arc<StediFake>, crate::helpers::SecretFile) {
    let key = unique("stedi-key");
    let (fake, url) = stedi_fake(&key, SUBSCRIBER_271).await;
    let secret = secret_file(&key);
    let key_file = secret.path();
    let app = spawn_app(|s| {
        production(s);
        s.payers
            .connectors
            .insert("stedi-upstream".into(), stedi(&url, &key_file));
        s.payers
            .routes
            .insert("87726".into(), "stedi-upstream".into());
        rules(s);
    })
    .await;
    (app, fake, secret)
}

fn demo(s: &mut Settings) -> &mut eligibility_gateway::config::AccountSettings {
    s.accounts.get_mut("demo").expect("demo account")
}

fn codes(body: &Value) -> Vec<String> {
    body["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn warning<'a>(body: &'a Value, code: &str) -> &'a Value {
    body["warnings"]
        .as_array()
        .and_then(|w| w.iter().find(|w| w["code"] == code))
        .unwrap_or_else(|| panic!("no `{code}` warning in {body}"))
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

#[tokio::test]
async fn every_route_sends_the_real_payer_id_and_the_rules_npi_and_says_so() {
    let (app, fake, _key) = app_with(|s| {
        let d = demo(s);
        d.payer_aliases = vec![alias("ACME1", "87726", Some("2020-01-01"), None)];
        d.npi_rules = vec![
            npi_rule("1000000004", None, None),
            npi_rule("1234567893", Some("87726"), None),
        ];
    })
    .await;
    let raw = inquiry("ACME1", "0000000001", "DOEONE", "JOHNONE");
    let mut json_req = bare_minimum();
    json_req["tradingPartnerServiceId"] = json!("ACME1");
    let routes: [(&str, bool); 5] = [
        (RAW, false),
        (RAW_BARE, false),
        (CHANGE, true),
        ("/medicalnetwork/eligibility/v3/", true),
        (STEDI, true),
    ];
    for (n, (path, is_json)) in routes.into_iter().enumerate() {
        let (status, body) = if is_json {
            post_json(&app, path, &json_req).await
        } else {
            app.raw_x12_with(path, Some(DEMO_KEY), &raw).await
        };
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(
            fake.calls.load(Ordering::SeqCst),
            n + 1,
            "{path}: one upstream call"
        );
        let sent = fake.bodies.lock().unwrap()[n].clone();
        assert!(
            sent.contains("*PI*87726~"),
            "{path}: the real payer ID went upstream: {sent}"
        );
        assert!(!sent.contains("ACME1"), "{path}: the alias did not");
        assert!(
            sent.contains("*XX*1234567893~"),
            "{path}: the payer's NPI rule (more specific than the default) filled 2100B: {sent}"
        );
        let codes = codes(&body);
        assert!(
            codes.contains(&"value_add::payer_alias_applied".to_owned())
                && codes.contains(&"value_add::npi_rule_applied".to_owned()),
            "{path}: {codes:?}"
        );
        let a = warning(&body, "value_add::payer_alias_applied");
        let text = a["description"].as_str().unwrap();
        assert!(
            text.contains("`ACME1`") && text.contains("`87726`"),
            "{path}: {text}"
        );
        assert_eq!(a["location"], "Loop 2100A", "{path}");
        let n = warning(&body, "value_add::npi_rule_applied");
        assert!(
            n["description"]
                .as_str()
                .unwrap()
                .contains("accounts.demo.npi_rules[1]"),
            "{path}: {n}"
        );
        assert_eq!(n["location"], "Loop 2100B", "{path}");
        assert_eq!(
            body["subscriber"]["memberId"], "123456789",
            "{path}: the 271 mapped"
        );
    }
    assert_eq!(app.free_slots(), 5, "every slot came back");
}

#[tokio::test]
async fn a_valid_npi_is_kept_and_a_payer_id_without_alias_goes_unchanged() {
    let (app, fake, _key) = app_with(|s| {
        let d = demo(s);
        d.payer_aliases = vec![alias("ACME1", "87726", None, None)];
        d.npi_rules = vec![npi_rule("1000000004", None, None)];
    })
    .await;
    let x12 = inquiry("87726", "0000000001", "DOEONE", "JOHNONE")
        .replace("*SV*2000035~", "*XX*1234567893~");
    let (status, body) = app.raw_x12(&x12).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent = fake.bodies.lock().unwrap()[0].clone();
    assert_eq!(sent, x12, "nothing to change: the 270 went as sent");
    assert!(
        !codes(&body).iter().any(|c| c.starts_with("value_add::")),
        "{body}"
    );
}

#[tokio::test]
async fn an_alias_is_not_applied_outside_its_dates() {
    let (app, fake, _key) = app_with(|s| {
        demo(s).payer_aliases = vec![
            alias("ACME1", "87726", Some("2099-01-01"), None),
            alias("ACME2", "87726", None, Some("2000-12-31")),
        ];
    })
    .await;
    for payer in ["ACME1", "ACME2"] {
        let (status, body) = app
            .raw_x12(&inquiry(payer, "0000000001", "DOEONE", "JOHNONE"))
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{payer}: routed as sent, and it has no route: {body}"
        );
    }
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_sandbox_answers_aliased_requests_with_the_warnings_too() {
    let app = spawn_app(|s| {
        demo(s).payer_aliases = vec![alias("MYPAYER", "842610001", None, None)];
    })
    .await;
    let (status, body) = app
        .raw_x12(&inquiry("MYPAYER", "0000000001", "DOEONE", "JOHNONE"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        codes(&body).contains(&"value_add::payer_alias_applied".to_owned()),
        "{body}"
    );
}

/// A change to the settings.
type Tweak = fn(&mut Settings);

#[tokio::test]
async fn bad_rules_stop_start_up_naming_the_key() {
    let cases: [(&str, Tweak); 3] = [
        ("accounts.demo.payer_aliases[1].alias", |s| {
            demo(s).payer_aliases = vec![
                alias("A1", "87726", Some("2026-01-01"), Some("2026-06-30")),
                alias("A1", "60054", Some("2026-06-30"), None),
            ];
        }),
        ("accounts.demo.payer_aliases[0].from", |s| {
            demo(s).payer_aliases = vec![alias("A1", "87726", Some("2026-13-01"), None)];
        }),
        ("accounts.demo.npi_rules[0].npi", |s| {
            demo(s).npi_rules = vec![npi_rule("1234567890", None, None)];
        }),
    ];
    for (key, tweak) in cases {
        let mut settings = Settings::defaults().unwrap();
        settings.server.host = "127.0.0.1".into();
        settings.server.port = 0;
        tweak(&mut settings);
        let Err(e) = App::build(&settings).await else {
            panic!("{key}: started");
        };
        assert!(e.to_string().contains(&format!("`{key}`")), "{key}: {e}");
    }
}

#[test]
fn rules_load_from_a_toml_file_with_quoted_or_bare_dates() {
    let dir = std::env::temp_dir().join(format!("eg-value-add-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gateway.toml");
    std::fs::write(
        &path,
        r#"
[[accounts.demo.payer_aliases]]
alias = "ACME1"
payer_id = "00006"
from = "2026-01-01"
until = 2026-12-31

[[accounts.demo.npi_rules]]
npi = "1234567893"
payer_id = "00006"
facility = "FAC-9"
"#,
    )
    .unwrap();
    let settings = Settings::load_with(Some(&path), Some(std::collections::HashMap::new()));
    std::fs::remove_dir_all(&dir).ok();
    let settings = settings.unwrap();
    let demo = &settings.accounts["demo"];
    assert_eq!(
        demo.payer_aliases[0].payer_id, "00006",
        "leading zeros kept"
    );
    assert_eq!(demo.payer_aliases[0].until.as_deref(), Some("2026-12-31"));
    assert_eq!(demo.npi_rules[0].facility.as_deref(), Some("FAC-9"));
    assert!(
        !demo.api_key_hashes.is_empty(),
        "the file adds to the defaults"
    );
}

#[tokio::test]
async fn a_json_facility_id_selects_the_facility_rule() {
    let (app, fake, _key) = app_with(|s| {
        demo(s).npi_rules = vec![
            npi_rule("1000000004", None, None),
            npi_rule("2222222228", None, Some("east-1")),
        ];
    })
    .await;
    let mut req = bare_minimum();
    req["tradingPartnerServiceId"] = json!("87726");
    req["provider"]["facilityIdNumber"] = json!("EAST-1");
    let (status, body) = post_json(&app, STEDI, &req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sent = fake.bodies.lock().unwrap()[0].clone();
    assert!(sent.contains("REF*1J*EAST-1~"), "{sent}");
    assert!(
        sent.contains("*XX*2222222228~"),
        "the facility's NPI: {sent}"
    );
    let n = warning(&body, "value_add::npi_rule_applied");
    assert!(
        n["description"]
            .as_str()
            .unwrap()
            .contains("(this facility)"),
        "{n}"
    );
}
