//! Connectors over real TLS on loopback with certificates made at test time: client
//! certificates (PEM and PKCS#12), private CAs instead of the public roots, the lowest TLS
//! version, start-up refusals of bad files, and the expiry warning and gauge.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use eligibility_gateway::config::Settings;
use eligibility_gateway::http::AppState;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fakes::*;
use crate::helpers::*;
use crate::tls_fakes::*;

/// A Stedi-flavoured connector to `url` with `extra` keys (TLS files) merged in.
fn tls_connector(
    url: &str,
    key_file: &str,
    extra: &Value,
) -> eligibility_gateway::config::ConnectorSettings {
    let mut v = json!({ "kind": "http", "flavor": "stedi", "url": url, "api_key_file": key_file });
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    connector(v)
}

/// Files that must outlive start-up.
struct Kept(Vec<SecretFile>);

impl Kept {
    fn file(&mut self, contents: &str) -> String {
        let f = secret_file(contents);
        let p = f.path();
        self.0.push(f);
        p
    }
    fn bytes(&mut self, contents: &[u8]) -> String {
        let f = secret_file("");
        std::fs::write(f.path(), contents).unwrap();
        let p = f.path();
        self.0.push(f);
        p
    }
}

/// One HTTPS Stedi-like upstream and a gateway routing payer `<name upper-cased>` to each
/// connector in `connectors` (name, extra TLS keys).
async fn gateway_to(url: &str, key: &str, connectors: &[(&str, Value)]) -> (TestApp, Kept) {
    let mut kept = Kept(Vec::new());
    let key_file = kept.file(key);
    let list: Vec<_> = connectors
        .iter()
        .map(|(name, extra)| {
            (
                (*name).to_owned(),
                tls_connector(&format!("{url}/change{CHANGE_RAW}"), &key_file, extra),
            )
        })
        .collect();
    let app = spawn_app(|s| {
        production(s);
        for (name, c) in list {
            s.payers
                .routes
                .insert(name.to_ascii_uppercase(), name.clone());
            s.payers.connectors.insert(name, c);
        }
    })
    .await;
    (app, kept)
}

fn to(payer: &str) -> String {
    inquiry(payer, "0000000001", "DOEONE", "JOHNONE")
}

#[tokio::test]
async fn an_upstream_demanding_client_certificates_accepts_ours_and_refusals_are_502() {
    let ca = Ca::new("payer-ca");
    let other = Ca::new("other-ca");
    let server = ca.server();
    let ours = ca.client("gateway-client");
    let foreign = other.client("foreign-client");
    let key = unique("k");
    let (fake, router) = stedi_router(&key, SUBSCRIBER_271);
    let (url, tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: Some(&ca),
            tls12_only: false,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let ca_file = kept.file(&ca.pem());
    let good = json!({ "ca_file": ca_file, "client_cert_file": kept.file(&ours.cert_pem), "client_key_file": kept.file(&ours.key_pem) });
    let none = json!({ "ca_file": ca_file });
    let wrong = json!({ "ca_file": ca_file, "client_cert_file": kept.file(&foreign.cert_pem), "client_key_file": kept.file(&foreign.key_pem) });
    let (app, _k) = gateway_to(
        &url,
        &key,
        &[("good", good), ("nocert", none), ("foreign", wrong)],
    )
    .await;

    let (status, body) = app.raw_x12(&to("GOOD")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        tls.client_names.lock().unwrap().as_slice(),
        ["gateway-client"]
    );

    for payer in ["NOCERT", "FOREIGN"] {
        let (status, body) = app.raw_x12(&to(payer)).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{payer}: {body}");
        assert_eq!(body["code"], "BAD_GATEWAY", "{payer}: {body}");
        let m = body["message"].as_str().unwrap();
        assert!(m.contains("refused our client certificate"), "{payer}: {m}");
        assert!(
            m.contains(&payer.to_ascii_lowercase()),
            "names the connector: {m}"
        );
    }
    assert_eq!(
        fake.calls.load(Ordering::SeqCst),
        1,
        "refused ones never reached the API"
    );
    assert!(
        tls.refused.load(Ordering::SeqCst) >= 2,
        "the server refused both handshakes"
    );
    assert_eq!(app.free_slots(), 5);
}

#[tokio::test]
async fn ca_file_is_trusted_instead_of_the_public_roots() {
    let ca = Ca::new("private-ca");
    let other = Ca::new("unrelated-ca");
    let server = ca.server();
    let key = unique("k");
    let (fake, router) = stedi_router(&key, SUBSCRIBER_271);
    let (url, _tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: None,
            tls12_only: false,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let (app, _k) = gateway_to(
        &url,
        &key,
        &[
            ("public", json!({})),
            ("unrelated", json!({ "ca_file": kept.file(&other.pem()) })),
            // The private CA after an unrelated one: a bundle, every certificate trusted.
            (
                "private",
                json!({ "ca_file": kept.file(&format!("{}{}", other.pem(), ca.pem())) }),
            ),
        ],
    )
    .await;
    for payer in ["PUBLIC", "UNRELATED"] {
        let (status, body) = app.raw_x12(&to(payer)).await;
        assert_eq!(status, StatusCode::BAD_GATEWAY, "{payer}: {body}");
        let m = body["message"].as_str().unwrap();
        assert!(
            m.contains("certificate is not trusted") && m.contains("ca_file"),
            "{payer}: {m}"
        );
    }
    assert_eq!(fake.calls.load(Ordering::SeqCst), 0);
    let (status, body) = app.raw_x12(&to("PRIVATE")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_pkcs12_identity_opened_with_its_password_is_presented() {
    let ca = Ca::new("payer-ca");
    let server = ca.server();
    let ours = ca.client("p12-client");
    let key = unique("k");
    let (fake, router) = stedi_router(&key, SUBSCRIBER_271);
    let (url, tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: Some(&ca),
            tls12_only: false,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let password = unique("p12pw");
    let p12 = kept.bytes(&ours.pkcs12(&password));
    let ca_file = kept.file(&ca.pem());
    let key_file = kept.file(&key);
    let c = tls_connector(
        &format!("{url}/change{CHANGE_RAW}"),
        &key_file,
        &json!({ "ca_file": ca_file, "client_pkcs12_file": p12, "client_pkcs12_password_env": "P12_PW" }),
    );
    let mut settings = Settings::defaults().unwrap();
    production(&mut settings);
    settings.payers.connectors.insert("p12".into(), c);
    settings.payers.default = "p12".into();
    let pw = password.clone();
    let payers = eligibility_gateway::payer::Payers::from_settings(&settings, &move |n| {
        (n == "P12_PW").then(|| pw.clone())
    })
    .unwrap();
    let connector = payers
        .route(eligibility_gateway::config::Mode::Production, "ANY")
        .unwrap();
    let x12 = to("ANY");
    let checked = eligibility_gateway::eligibility::validate::check(
        &x12,
        &eligibility_gateway::eligibility::validate::Options {
            repairs: true,
            real_time: true,
        },
    );
    let inquiry = eligibility_gateway::eligibility::validate::ReadInquiry::inquiry(&checked);
    let reply = payers
        .send(
            payers.admit(connector).unwrap(),
            eligibility_gateway::payer::Outbound::eligibility(&checked.text, &inquiry),
        )
        .await;
    assert!(reply.is_ok(), "{reply:?}");
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
    assert_eq!(tls.client_names.lock().unwrap().as_slice(), ["p12-client"]);
}

#[tokio::test]
async fn tls_min_version_1_3_refuses_an_upstream_that_speaks_only_1_2() {
    let ca = Ca::new("payer-ca");
    let server = ca.server();
    let key = unique("k");
    let (fake, router) = stedi_router(&key, SUBSCRIBER_271);
    let (url, _tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: None,
            tls12_only: true,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let ca_file = kept.file(&ca.pem());
    let (app, _k) = gateway_to(
        &url,
        &key,
        &[
            (
                "modern",
                json!({ "ca_file": ca_file, "tls_min_version": "1.3" }),
            ),
            ("default", json!({ "ca_file": ca_file })),
        ],
    )
    .await;
    let (status, body) = app.raw_x12(&to("MODERN")).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("TLS"), "{body}");
    let (status, body) = app.raw_x12(&to("DEFAULT")).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "TLS 1.2 is allowed by default: {body}"
    );
    assert_eq!(fake.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn start_up_refuses_each_bad_certificate_file_naming_the_key_never_the_secret() {
    let ca = Ca::new("payer-ca");
    let other = ca.client("other");
    let ours = ca.client("ours");
    let expired = ca.expired_client("old");
    let mut kept = Kept(Vec::new());
    let cert = kept.file(&ours.cert_pem);
    let key = kept.file(&ours.key_pem);
    let wrong_key = kept.file(&other.key_pem);
    let old_cert = kept.file(&expired.cert_pem);
    let old_key = kept.file(&expired.key_pem);
    let garbage = kept.file("not a certificate\n");
    let password = unique("p12pw");
    let p12 = kept.bytes(&ours.pkcs12(&password));
    let api_key = kept.file("k");
    let missing = std::env::temp_dir().join(format!("eg-missing-{}", uuid::Uuid::new_v4()));
    let missing = missing.to_str().unwrap().to_owned();
    let dir = std::env::temp_dir().to_str().unwrap().to_owned();
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "missing certificate",
            json!({ "client_cert_file": missing, "client_key_file": key }),
            "client_cert_file",
            "cannot be read",
        ),
        (
            "unreadable key (a directory)",
            json!({ "client_cert_file": cert, "client_key_file": dir }),
            "client_key_file",
            "cannot be read",
        ),
        (
            "not PEM",
            json!({ "client_cert_file": garbage, "client_key_file": key }),
            "client_cert_file",
            "no PEM certificate",
        ),
        (
            "key of another certificate",
            json!({ "client_cert_file": cert, "client_key_file": wrong_key }),
            "client_key_file",
            "does not belong",
        ),
        (
            "expired",
            json!({ "client_cert_file": old_cert, "client_key_file": old_key }),
            "client_key_file",
            "expired on",
        ),
        (
            "key without certificate",
            json!({ "client_key_file": key }),
            "client_cert_file",
            "is required",
        ),
        (
            "missing CA bundle",
            json!({ "ca_file": missing }),
            "ca_file",
            "cannot be read",
        ),
        (
            "CA bundle not PEM",
            json!({ "ca_file": garbage }),
            "ca_file",
            "no PEM certificate",
        ),
        (
            "PKCS#12 wrong password",
            json!({ "client_pkcs12_file": p12, "client_pkcs12_password_env": "WRONG_PW" }),
            "client_pkcs12_file",
            "cannot be opened",
        ),
        (
            "PKCS#12 password unset",
            json!({ "client_pkcs12_file": p12, "client_pkcs12_password_env": "UNSET_PW" }),
            "client_pkcs12_password_env",
            "not set",
        ),
        (
            "TLS version",
            json!({ "tls_min_version": "1.1" }),
            "tls_min_version",
            "\"1.2\" or \"1.3\"",
        ),
    ];
    for (why, extra, field, problem) in cases {
        // Through the loader, as `main` does: the settings check, then the files.
        let mut env: std::collections::HashMap<String, String> = [
            ("KIND", "http"),
            ("FLAVOR", "stedi"),
            ("URL", "https://127.0.0.1:9/x"),
            ("API_KEY_FILE", api_key.as_str()),
        ]
        .iter()
        .map(|(k, v)| {
            (
                format!("GATEWAY__PAYERS__CONNECTORS__UP__{k}"),
                (*v).to_owned(),
            )
        })
        .collect();
        for (k, v) in extra.as_object().unwrap() {
            env.insert(
                format!(
                    "GATEWAY__PAYERS__CONNECTORS__UP__{}",
                    k.to_ascii_uppercase()
                ),
                v.as_str().unwrap().to_owned(),
            );
        }
        let lookup = |n: &str| (n == "WRONG_PW").then(|| "not-the-password".to_owned());
        let err = match Settings::load_with(None, Some(env))
            .and_then(|settings| AppState::with_env(&settings, &lookup).map(|_| ()))
        {
            Ok(()) => panic!("{why}: start-up went ahead"),
            Err(e) => e.to_string(),
        };
        assert!(
            err.contains(&format!("payers.connectors.up.{field}")),
            "{why}: {err}"
        );
        assert!(err.contains(problem), "{why}: {err}");
        assert!(
            !err.contains("BEGIN") && !err.contains(&password) && !err.contains("not-the-password"),
            "{why}: {err}"
        );
    }
}

#[tokio::test]
async fn a_certificate_expiring_within_30_days_warns_and_the_gauge_counts_down() {
    let ca = Ca::new("payer-ca");
    let soon = ca.client_expiring_in("soon", 10);
    let mut kept = Kept(Vec::new());
    let (cert, key) = (kept.file(&soon.cert_pem), kept.file(&soon.key_pem));
    let api_key = kept.file("k");
    let name = format!("expiring-{}", uuid::Uuid::new_v4().simple());
    let c = tls_connector(
        "https://127.0.0.1:9/x",
        &api_key,
        &json!({ "client_cert_file": cert, "client_key_file": key }),
    );
    let app = spawn_app(|s| {
        s.payers.connectors.insert(name.clone(), c);
    })
    .await;
    let warned = log_lines_with(&name);
    assert!(
        warned
            .iter()
            .any(|l| l["level"] == "WARN" && l.to_string().contains("expires within 30 days")),
        "{warned:?}"
    );
    let text = app
        .client()
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = text
        .lines()
        .find(|l| {
            l.starts_with(&format!(
                "gateway_connector_certificate_expiry_seconds{{connector=\"{name}\"}}"
            ))
        })
        .unwrap_or_else(|| panic!("no gauge for {name}"));
    let secs: i64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((9 * 86_400..=10 * 86_400).contains(&secs), "{line}");
    let _ = Arc::clone(&app.state);
}

#[tokio::test]
async fn sighup_makes_the_running_binary_present_a_rotated_certificate() {
    let ca = Ca::new("payer-ca");
    let server = ca.server();
    let first = ca.client("first-cert");
    let second = ca.client("second-cert");
    let key = unique("k");
    let (fake, router) = stedi_router(&key, SUBSCRIBER_271);
    let (url, tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: Some(&ca),
            tls12_only: false,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let cert = kept.file(&first.cert_pem);
    let cert_key = kept.file(&first.key_pem);
    let ca_file = kept.file(&ca.pem());
    let key_file = kept.file(&key);
    let raw_url = format!("{url}/change{CHANGE_RAW}");
    let c = "GATEWAY__PAYERS__CONNECTORS__UP__";
    let env: Vec<(String, &str)> = vec![
        ("GATEWAY__ACCOUNTS__DEMO__MODE".into(), "production"),
        ("GATEWAY__PAYERS__DEFAULT".into(), "up"),
        (format!("{c}KIND"), "http"),
        (format!("{c}FLAVOR"), "stedi"),
        (format!("{c}URL"), &raw_url),
        (format!("{c}API_KEY_FILE"), &key_file),
        (format!("{c}CA_FILE"), &ca_file),
        (format!("{c}CLIENT_CERT_FILE"), &cert),
        (format!("{c}CLIENT_KEY_FILE"), &cert_key),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let mut gw = crate::shutdown::Gateway::start(&env);
    let client = reqwest::Client::new();
    let raw = gw.url(RAW);
    let send = || {
        client
            .post(&raw)
            .header("Authorization", DEMO_KEY)
            .json(&json!({ "x12": to("ANY") }))
            .send()
    };
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    // Rotate both files in place, then SIGHUP.
    std::fs::write(&cert, &second.cert_pem).unwrap();
    std::fs::write(&cert_key, &second.key_pem).unwrap();
    let ok = std::process::Command::new("kill")
        .args(["-HUP", &gw.pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -HUP");
    let done = gw.wait_for("certificate reload done");
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        tls.client_names.lock().unwrap().as_slice(),
        ["first-cert", "second-cert"],
        "the process kept running and presented the new certificate"
    );
    assert_eq!(fake.calls.load(Ordering::SeqCst), 2);
}

/// Holds the first request until released; answers the 271.
struct Gate {
    arrived: tokio::sync::mpsc::Sender<()>,
    release: tokio::sync::Mutex<Option<tokio::sync::oneshot::Receiver<()>>>,
}

async fn gated(
    axum::extract::State(gate): axum::extract::State<Arc<Gate>>,
) -> axum::response::Response {
    let _ = gate.arrived.try_send(());
    let held = gate.release.lock().await.take();
    if let Some(rx) = held {
        let _ = rx.await;
    }
    answer_271(SUBSCRIBER_271)
}

#[tokio::test]
async fn a_reload_leaves_a_request_in_flight_on_its_connection_and_new_ones_use_the_new_certificate()
 {
    let ca = Ca::new("payer-ca");
    let server = ca.server();
    let first = ca.client("old-cert");
    let second = ca.client("new-cert");
    let (arrived, mut arrivals) = tokio::sync::mpsc::channel(8);
    let (release, held) = tokio::sync::oneshot::channel();
    let gate = Arc::new(Gate {
        arrived,
        release: tokio::sync::Mutex::new(Some(held)),
    });
    let router = axum::Router::new()
        .route("/raw", axum::routing::post(gated))
        .with_state(gate);
    let (url, tls) = serve_tls(
        router,
        TlsFake {
            server: &server,
            client_ca: Some(&ca),
            tls12_only: false,
        },
    )
    .await;
    let mut kept = Kept(Vec::new());
    let cert = kept.file(&first.cert_pem);
    let cert_key = kept.file(&first.key_pem);
    let key_file = kept.file("k");
    let c = tls_connector(
        &format!("{url}/raw"),
        &key_file,
        &json!({ "ca_file": kept.file(&ca.pem()), "client_cert_file": cert, "client_key_file": cert_key }),
    );
    let app = spawn_app(|s| {
        production(s);
        s.payers.connectors.insert("rotating".into(), c);
        s.payers.default = "rotating".into();
    })
    .await;
    let in_flight = {
        let req = app
            .post(RAW)
            .header("Authorization", DEMO_KEY)
            .json(&json!({ "x12": to("ANY") }));
        tokio::spawn(async move { req.send().await.unwrap().status() })
    };
    arrivals.recv().await.unwrap();
    std::fs::write(&cert, &second.cert_pem).unwrap();
    std::fs::write(&cert_key, &second.key_pem).unwrap();
    let errors = app.state.payers.reload_tls();
    assert!(errors.is_empty(), "{errors:?}");
    let _ = release.send(());
    assert_eq!(
        in_flight.await.unwrap(),
        StatusCode::OK,
        "finished on its connection"
    );
    assert_eq!(app.raw_x12(&to("ANY")).await.0, StatusCode::OK);
    assert_eq!(
        tls.client_names.lock().unwrap().as_slice(),
        ["old-cert", "new-cert"],
        "one handshake each: the held request kept the old one"
    );
    // A broken rotation is refused and the connector keeps what it has.
    std::fs::write(&cert, "not a certificate").unwrap();
    let errors = app.state.payers.reload_tls();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .to_string()
            .contains("payers.connectors.rotating.client_cert_file"),
        "{}",
        errors[0]
    );
    assert_eq!(app.raw_x12(&to("ANY")).await.0, StatusCode::OK);
}
