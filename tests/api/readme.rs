//! The README's shell examples, run as written against a started gateway, so they cannot drift:
//! `cargo run --release --` becomes the built binary, `http://127.0.0.1:8080` the test gateway's
//! address, and `curl -s` fails on any 4xx/5xx (a placeholder body would). Each block runs in
//! `bash -euo pipefail` from the repository root, so a variable no earlier command set fails too.
//! Blocks that start servers, containers or write into the repository are checked, not run.

use std::process::Command;

use crate::helpers::spawn_app;

const README: &str = include_str!("../../README.md");
const BIN: &str = env!("CARGO_BIN_EXE_eligibility-gateway");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The README's `sh` blocks, in order.
fn shell_blocks() -> Vec<&'static str> {
    README
        .split("```")
        .skip(1)
        .step_by(2)
        .filter_map(|b| b.strip_prefix("sh\n"))
        .collect()
}

/// Why a block is not run, when it is not.
fn not_run(block: &str) -> Option<&'static str> {
    if block.contains("cargo test") {
        Some("the start and test commands (this is the test; the gateway is started for it)")
    } else if block.contains("docker compose") {
        Some("needs a container engine (tests/api/packaging.rs checks the files)")
    } else if block.contains("apt-get") {
        Some("installs packages")
    } else if block.contains("openssl rand") {
        Some("writes a key into the repository")
    } else if block.contains("serve") {
        Some("starts a second gateway")
    } else if block
        .lines()
        .all(|l| l.starts_with("GATEWAY__") || l.starts_with('#') || l.is_empty())
    {
        Some("settings, not commands")
    } else {
        None
    }
}

fn for_the_test(block: &str, base: &str) -> String {
    block
        .replace("cargo run --release --", BIN)
        .replace("http://127.0.0.1:8080", base)
        .replace("curl -s ", "curl -sS --fail-with-body ")
}

#[tokio::test]
async fn every_shell_example_in_the_readme_runs_as_written() {
    let app = spawn_app(|_| {}).await;
    let blocks = shell_blocks();
    assert!(blocks.len() >= 10, "{} blocks", blocks.len());
    let mut ran = 0;
    for block in blocks {
        if let Some(why) = not_run(block) {
            // What is not run still must not collide with the first gateway.
            if block.contains(" serve") && !block.contains("cargo test") {
                assert!(
                    block.contains("GATEWAY__SERVER__PORT=") && !block.contains("PORT=8080"),
                    "a second gateway needs another port: {block}"
                );
            }
            assert!(!why.is_empty());
            continue;
        }
        let script = for_the_test(block, &app.base);
        let out = tokio::task::spawn_blocking(move || {
            Command::new("bash")
                .args(["-euo", "pipefail", "-c", &script])
                .current_dir(ROOT)
                .output()
                .expect("bash (and curl: apt-get install curl) to run the README's examples")
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "README block failed ({}):\n{block}\nstdout: {}\nstderr: {stderr}",
            out.status,
            stdout.chars().take(2000).collect::<String>()
        );
        assert!(!stdout.trim().is_empty(), "prints something: {block}");
        ran += 1;
    }
    assert!(ran >= 7, "{ran} blocks ran");
}

/// The sample token in the README starts like the tokens the gateway issues.
#[tokio::test]
async fn the_readme_sample_token_looks_like_a_real_one() {
    let app = spawn_app(|_| {}).await;
    let token = app.demo_token().await;
    let sample = README
        .split("\"access_token\":\"")
        .nth(1)
        .and_then(|t| t.split('.').next())
        .expect("a sample token");
    assert_eq!(token.split('.').next(), Some(sample), "the JWT header");
}
