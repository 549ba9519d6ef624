//! The binary's command line: `to-json`, `validate`, `to-270`, `to-276`, `hash-key`, and start-up
//! errors.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_eligibility-gateway");
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/x12");

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("GATEWAY__SERVER__PORT")
        .spawn()
        .expect("run the binary");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn to_json_prints_the_mapping_of_a_271() {
    let (code, out, _) = run(
        &[
            "to-json",
            &format!("{FIXTURES}/LinuxForHealth-x12/subscriber-health-benefit-check.271"),
        ],
        None,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["subscriber"]["memberId"], "123456789");
}

#[test]
fn to_json_reads_stdin_and_fails_clearly_on_garbage() {
    let (code, out, _) = run(&["to-json", "-"], Some("this is not x12"));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["message"].as_str().unwrap().contains("ISA"));
}

#[test]
fn validate_exits_0_for_a_valid_270_and_1_for_an_invalid_one() {
    let (code, out, _) = run(
        &[
            "validate",
            &format!("{FIXTURES}/irobayna-stupidedi/270-X279A1-request-subscriber.edi"),
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["valid"],
        true
    );
    let (code, out, _) = run(&["validate", "-"], Some("ISA*garbage~"));
    assert_eq!(code, 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["valid"],
        false
    );
}

#[test]
fn validate_detects_a_276_and_checks_it_as_a_claim_status_request() {
    let claim_status = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/claimstatus");
    let (code, out, _) = run(
        &[
            "validate",
            &format!("{claim_status}/irobayna-stupidedi/276-claim-request.edi"),
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(
        v["warnings"][0]["code"], "request::276::delimiters_standardised",
        "{out}"
    );
    let text = std::fs::read_to_string(format!(
        "{claim_status}/LinuxForHealth-x12/information-receiver-level-status.276"
    ))
    .unwrap()
    .replace("AMT*T3*", "AMT*R*");
    let (code, out, _) = run(&["validate", "-"], Some(&text));
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["errors"][0]["rule"], "invalid_code", "{out}");
    assert_eq!(v["errors"][0]["location"], "Loop 2200D", "{out}");
}

#[test]
fn hash_key_prints_the_stored_form() {
    let (code, out, _) = run(&["hash-key", "sandbox-api-key"], None);
    assert_eq!(
        (code, out.trim()),
        (
            0,
            "sha256:c27f1dc0436e6ea2fe495afbfeee34098fbdebccedb5fea4bdf71e967eaaf594"
        )
    );
    let (code, out, _) = run(&["hash-key"], Some("sandbox-api-key\n"));
    assert_eq!(
        (code, out.trim()),
        (
            0,
            "sha256:c27f1dc0436e6ea2fe495afbfeee34098fbdebccedb5fea4bdf71e967eaaf594"
        )
    );
    let (code, out, _) = run(&["hash-key", "--generate"], None);
    assert_eq!(code, 0);
    assert!(out.contains("key:") && out.contains("hash: sha256:"));
}

#[test]
fn a_bad_setting_stops_start_up_naming_the_key() {
    let out = Command::new(BIN)
        .env("GATEWAY__SERVER__PORT", "not-a-port")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.port"), "{err}");
    let out = Command::new(BIN)
        .args(["--config", "/nonexistent.toml", "serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent.toml"));
}

#[test]
fn to_json_exits_0_with_json_for_every_271_fixture() {
    for f in crate::fixtures271::ALL {
        let path = format!("{}/tests/fixtures/{}", env!("CARGO_MANIFEST_DIR"), f.path);
        let (code, out, err) = run(&["to-json", &path], None);
        assert_eq!(code, 0, "{}: {err}", f.name);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let first = if v.is_array() { &v[0] } else { &v };
        assert_eq!(first["x12"], f.x12, "{}", f.name);
        assert!(first["errors"].is_array(), "{}", f.name);
    }
}

#[test]
fn to_json_prints_an_array_for_a_batch() {
    let path =
        format!("{FIXTURES}/Kartik-Hirijaganer-X12-Parser-Encoder/gainwell_271_redacted.edi");
    let (code, out, _) = run(&["to-json", &path], None);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 153);
}

#[test]
fn to_json_on_a_file_without_a_271_fails_clearly() {
    let isa_only = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~";
    let (code, out, _) = run(&["to-json", "-"], Some(isa_only));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["message"].as_str().unwrap().contains("no 271"), "{v}");
    let (code, _, err) = run(&["to-json", "/nonexistent.x12"], None);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

const BARE_MINIMUM: &str = r#"{"controlNumber": "123456789", "tradingPartnerServiceId": "serviceId",
 "provider": {"organizationName": "provider_name", "npi": "0123456789"},
 "subscriber": {"firstName": "johnOne", "lastName": "doeOne", "dateOfBirth": "18800102", "memberId": "0000000000"},
 "encounter": {"dateOfService": "20100101", "serviceTypeCodes": ["30"]}}"#;

/// A file under the temp directory, removed on drop.
struct TempFile(std::path::PathBuf);

impl TempFile {
    fn new(name: &str, contents: &str) -> Self {
        let path = std::env::temp_dir().join(format!("eg-cli-{}-{name}", uuid::Uuid::new_v4()));
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn to_270_prints_the_270_for_a_json_request_from_a_file_or_stdin() {
    let file = TempFile::new("bare.json", BARE_MINIMUM);
    let (code, out, _) = run(&["to-270", file.path()], None);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("ISA*00*"), "{out}");
    assert!(out.contains("~ST*270*123456789*005010X279A1~"), "{out}");
    assert!(out.contains("~NM1*PR*2*Unknown*****PI*serviceId~"), "{out}");
    let (code, from_stdin, _) = run(&["to-270", "-"], Some(BARE_MINIMUM));
    assert_eq!(code, 0);
    assert!(from_stdin.contains("~NM1*IL*1*doeOne*johnOne****MI*0000000000~"));
    // What it prints is what the validator accepts.
    let (code, report, _) = run(&["validate", "--real-time", "-"], Some(out.trim_end()));
    assert_eq!(code, 0, "{report}");
}

#[test]
fn to_270_takes_the_envelope_from_the_named_config() {
    let config = TempFile::new(
        "gateway.toml",
        "[x12]\nsender_id = \"CLINICNORTH\"\ntrace_originator = \"1234567890\"\n[x12.payer_names]\n\"serviceId\" = \"Acme Health\"\n",
    );
    let input = TempFile::new("bare.json", BARE_MINIMUM);
    let (code, out, err) = run(&["--config", config.path(), "to-270", input.path()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("*ZZ*CLINICNORTH    *"), "{out}");
    assert!(out.contains("~TRN*1*123456789*1234567890~"), "{out}");
    assert!(
        out.contains("~NM1*PR*2*Acme Health*****PI*serviceId~"),
        "{out}"
    );
}

#[test]
fn to_270_reports_an_invalid_request_as_json_and_exits_1() {
    let (code, out, _) = run(
        &["to-270", "-"],
        Some(r#"{"provider": {"npi": "1234567890"}, "subscriber": {"lastName": "SECRETNAME*"}}"#),
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["status"], "ERROR");
    let fields: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"tradingPartnerServiceId"), "{fields:?}");
    assert!(fields.contains(&"provider.npi"), "{fields:?}");
    assert!(fields.contains(&"subscriber.lastName"), "{fields:?}");
    assert!(!out.contains("SECRETNAME"));
    let (code, out, _) = run(&["to-270", "-"], Some("not json"));
    assert_eq!(code, 1);
    assert!(out.contains("not valid JSON (line 1, column 2)"), "{out}");
}

#[test]
fn to_270_exits_2_when_the_file_cannot_be_read() {
    let (code, _, err) = run(&["to-270", "/nonexistent/request.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

/// Change's sandbox claim status request (`claim-status.md` §8.1).
const CLAIM_STATUS_SANDBOX: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/claimstatus-requests/optum-docs-sandbox.request.json"
));

#[test]
fn to_276_prints_the_276_for_a_json_request_from_a_file_or_stdin() {
    let file = TempFile::new("claim-status.json", CLAIM_STATUS_SANDBOX);
    let (code, out, err) = run(&["to-276", file.path()], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ISA*00*"), "{out}");
    assert!(out.contains("~GS*HR*"), "{out}");
    assert!(out.contains("~ST*276*123456789*005010X212~"), "{out}");
    assert!(
        out.contains("~NM1*41*2*TestProvider*****46*0123456789~"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("~IEA*1*123456789~"), "{out}");
    let (code, from_stdin, _) = run(&["to-276", "-"], Some(CLAIM_STATUS_SANDBOX));
    assert_eq!(code, 0);
    assert!(from_stdin.contains("~NM1*IL*1*doeone*johnone****MI*0000000000~"));
}

#[test]
fn to_276_reports_an_empty_request_as_json_and_exits_1() {
    let (code, out, _) = run(&["to-276", "-"], Some("{}"));
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["status"], "ERROR");
    let fields: Vec<(&str, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("tradingPartnerServiceId", "/tradingPartnerServiceId"),
            ("providers", "/providers"),
            ("subscriber", "/subscriber"),
        ]
    );
    let (code, out, _) = run(
        &["to-276", "-"],
        Some(r#"{"subscriber": {"lastName": "SECRETNAME*"}}"#),
    );
    assert_eq!(code, 1);
    assert!(out.contains("subscriber.lastName"), "{out}");
    assert!(!out.contains("SECRETNAME"), "{out}");
    let (code, out, _) = run(&["to-276", "-"], Some("[]"));
    assert_eq!(code, 1);
    assert!(out.contains("a claim status request"), "{out}");
    let (code, _, err) = run(&["to-276", "/nonexistent/request.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

/// Runs the binary on a blocking thread (the gateway it asks runs on this test's runtime).
async fn run_beside(args: Vec<String>, env: Vec<(String, String)>) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(BIN)
            .args(&args)
            .envs(env)
            .stdin(Stdio::null())
            .output()
            .expect("run the binary");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn healthcheck_exits_0_when_ready_and_1_when_not() {
    use eligibility_gateway::http::probes::NotReady;
    let app = crate::helpers::spawn_app(|_| {}).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let port = addr.rsplit(':').next().unwrap().to_owned();
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let (code, err) = run_beside(args(&["healthcheck", "--addr", &addr]), vec![]).await;
    assert_eq!(code, 0, "{err}");
    // As the image runs it: no flag, the port from the environment, 0.0.0.0 asked on loopback.
    let env = vec![
        ("GATEWAY__SERVER__HOST".to_owned(), "0.0.0.0".to_owned()),
        ("GATEWAY__SERVER__PORT".to_owned(), port),
    ];
    let (code, err) = run_beside(args(&["healthcheck"]), env).await;
    assert_eq!(code, 0, "{err}");
    app.state.readiness.set(NotReady::Draining, true);
    let (code, err) = run_beside(args(&["healthcheck", "--addr", &addr]), vec![]).await;
    assert_eq!(code, 1);
    assert!(err.contains("503"), "{err}");
    drop(app);
    let (code, err) = run_beside(args(&["healthcheck", "--addr", &addr]), vec![]).await;
    assert_eq!(code, 1, "nothing listens: {err}");
}

#[test]
fn to_json_on_a_270_exits_1_and_points_at_validate() {
    let (code, out, _) = run(&["to-json", "-"], Some(crate::helpers::SUBSCRIBER_270));
    assert_eq!(code, 1, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = v["message"].as_str().unwrap();
    assert!(m.contains("no 271") && m.contains("validate"), "{m}");
}

/// What an editor saves after the last segment (a final newline, trailing spaces) is not part of
/// the interchange: `validate --no-repairs` accepts it, and `validate` reports no repair.
#[test]
fn a_files_final_newline_and_trailing_spaces_are_not_repairs() {
    let x12 = crate::helpers::member_inquiry();
    for tail in ["\n", "\r\n", "  \n\n", "\t"] {
        let input = format!("{x12}{tail}");
        let (code, out, _) = run(&["validate", "--no-repairs", "-"], Some(&input));
        assert_eq!(code, 0, "{tail:?}: {out}");
        let (code, out, _) = run(&["validate", "-"], Some(&input));
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["repaired"], false, "{tail:?}: {v}");
        assert_eq!(v["warnings"], serde_json::json!([]), "{tail:?}: {v}");
    }
    // Line breaks between segments are still a repair: they are inside the interchange.
    let broken = format!("{}\n", x12.replacen("~GS*", "~\nGS*", 1));
    let (code, out, _) = run(&["validate", "--no-repairs", "-"], Some(&broken));
    assert_eq!(code, 1, "{out}");
    // A line break that is the segment terminator itself stays (else IEA would be unterminated).
    let newline_terminated = x12.replace('~', "\n");
    let (code, out, _) = run(&["validate", "-"], Some(&newline_terminated));
    assert_eq!(code, 0, "{out}");
}

#[test]
fn to_json_maps_a_277_as_claim_status() {
    for f in crate::fixtures277::ALL {
        let path = format!(
            "{}/tests/fixtures/claimstatus/{}",
            env!("CARGO_MANIFEST_DIR"),
            f.path
        );
        let (code, out, err) = run(&["to-json", &path], None);
        assert_eq!(code, 0, "{}: {err}", f.name);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let first = if v.is_array() { &v[0] } else { &v };
        assert_eq!(first["x12"], f.x12, "{}", f.name);
    }
    let path = format!(
        "{}/tests/fixtures/claimstatus/LinuxForHealth-x12/claim-level-status.277",
        env!("CARGO_MANIFEST_DIR")
    );
    let (_, out, _) = run(&["to-json", &path], None);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["claims"][0]["claimStatus"]["statusCategoryCode"], "P3");
    assert!(v[0].get("errors").is_none(), "a 277 is not read as a 271");
}
