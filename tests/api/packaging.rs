//! What can be checked offline about packaging: the README's commands and curl example, the
//! Dockerfile and docker-compose.yml (no container engine runs here), CI wiring.

use reqwest::StatusCode;
use yaml_rust2::YamlLoader;

use crate::helpers::*;

const README: &str = include_str!("../../README.md");
const DOCKERFILE: &str = include_str!("../../Dockerfile");
const COMPOSE: &str = include_str!("../../docker-compose.yml");
const CI: &str = include_str!("../../.ci/run");
const WORKFLOW: &str = include_str!("../../.github/workflows/ci.yml");

/// The lines of the README's first code block.
fn first_block() -> Vec<&'static str> {
    README
        .split("```")
        .nth(1)
        .expect("a code block")
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn readme_opens_with_the_two_commands() {
    let before = README.split("```").next().unwrap();
    assert!(
        before.lines().filter(|l| !l.trim().is_empty()).count() <= 1,
        "only the title before the commands"
    );
    let block = first_block();
    assert_eq!(block.len(), 2, "{block:?}");
    assert!(
        block[0].starts_with("cargo run --release"),
        "start command: {}",
        block[0]
    );
    assert!(
        block[1].starts_with("cargo test"),
        "test command: {}",
        block[1]
    );
}

#[tokio::test]
async fn readme_curl_example_gets_a_271_backed_answer() {
    let curl = README.split("```").nth(3).expect("the curl block");
    assert!(curl.contains("curl") && curl.contains("Authorization: sandbox-api-key"));
    assert!(curl.contains("http://127.0.0.1:8080/change/medicalnetwork/eligibility/v3/raw-x12"));
    let body = curl
        .split("-d '")
        .nth(1)
        .and_then(|b| b.split('\'').next())
        .expect("-d '<json>'");
    let json: serde_json::Value = serde_json::from_str(body).expect("the example body is JSON");
    let app = spawn_app(|_| {}).await;
    let (status, answer) = app.raw_x12(json["x12"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["x12"].as_str().unwrap().contains("ST*271*"));
    assert_eq!(
        answer["errors"],
        serde_json::json!([]),
        "the example member is a sandbox member"
    );
    assert!(answer["benefitsInformation"].as_array().unwrap().len() > 10);
}

#[test]
fn dockerfile_is_multi_stage_non_root_and_runs_the_binary() {
    let froms: Vec<&str> = DOCKERFILE
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(froms.len(), 2, "build and runtime stages");
    assert!(froms[0].starts_with("FROM rust:") && froms[0].ends_with(" AS build"));
    assert!(froms[1].starts_with("FROM debian:") && froms[1].contains("-slim"));
    assert!(DOCKERFILE.contains("cargo build --release --locked --bin eligibility-gateway"));
    assert!(DOCKERFILE.contains("COPY --from=build /src/target/release/eligibility-gateway /usr/local/bin/eligibility-gateway"));
    let user = DOCKERFILE
        .lines()
        .find(|l| l.starts_with("USER "))
        .expect("USER");
    assert!(!user.contains("root") && user.trim_start_matches("USER ").trim() != "0");
    assert!(DOCKERFILE.contains("EXPOSE 8080"));
    assert!(DOCKERFILE.contains("GATEWAY__SERVER__HOST=0.0.0.0"));
    assert!(DOCKERFILE.contains("ENTRYPOINT [\"/usr/local/bin/eligibility-gateway\"]"));
    for dir in ["config", "src", "tests", "benches"] {
        assert!(
            DOCKERFILE.contains(&format!("COPY {dir} ./{dir}")),
            "the build context needs {dir}"
        );
        assert!(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR")))
                .join(dir)
                .is_dir()
        );
    }
}

#[test]
fn compose_runs_the_gateway_on_8080() {
    let docs = YamlLoader::load_from_str(COMPOSE).expect("docker-compose.yml parses");
    let gw = &docs[0]["services"]["gateway"];
    assert_eq!(gw["build"].as_str(), Some("."));
    let ports: Vec<&str> = gw["ports"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        ports
            .iter()
            .any(|p| p.ends_with(":8080:8080") || *p == "8080:8080"),
        "{ports:?}"
    );
    assert_eq!(
        gw["environment"]["GATEWAY__SERVER__PORT"].as_str(),
        Some("8080")
    );
    assert_eq!(
        gw["environment"]["GATEWAY__SERVER__HOST"].as_str(),
        Some("0.0.0.0")
    );
    assert_eq!(gw["command"][0].as_str(), Some("serve"));
}

#[test]
fn ci_runs_format_clippy_and_the_readme_test_command() {
    assert!(CI.contains("cargo fmt --all -- --check"));
    assert!(CI.contains("cargo clippy --all-targets --locked -- -D warnings"));
    assert!(
        CI.contains("grep -m1 -E '^cargo test' README.md"),
        "the README's command, not a copy"
    );
    let wf = YamlLoader::load_from_str(WORKFLOW).expect("workflow parses");
    let steps = wf[0]["jobs"]["ci"]["steps"].as_vec().unwrap();
    assert!(
        steps
            .iter()
            .any(|s| s["run"].as_str() == Some("bash .ci/run"))
    );
}
