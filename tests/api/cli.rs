//! The binary's command line: `to-json`, `validate`, `hash-key`, and start-up errors.

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
