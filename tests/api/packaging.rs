//! What can be checked offline about packaging: the README's commands and curl example, the
//! Dockerfile and docker-compose.yml (no container engine runs here), CI wiring.

use reqwest::StatusCode;
use yaml_rust2::YamlLoader;

use crate::helpers::*;

const README: &str = include_str!("../../README.md");
const DOCKERFILE: &str = include_str!("../../Dockerfile");
const COMPOSE: &str = include_str!("../../docker-compose.yml");
const CARGO_TOML: &str = include_str!("../../Cargo.toml");
const BUILD_RS: &str = include_str!("../../build.rs");
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

/// What the build stage copies into `/src`, as paths relative to the repository root.
fn build_stage_copies() -> Vec<&'static str> {
    let build = DOCKERFILE.split("\nFROM ").nth(1).expect("the build stage");
    let mut out = Vec::new();
    for line in build.lines().filter(|l| l.starts_with("COPY ")) {
        let words: Vec<&str> = line.split_whitespace().skip(1).collect();
        let (dest, sources) = words.split_last().expect("COPY <src>... <dest>");
        assert!(
            !sources.iter().any(|s| s.starts_with("--")),
            "no flags in the build stage: {line}"
        );
        for src in sources {
            // `COPY a b ./` keeps names; `COPY dir ./dir` keeps the directory where it was.
            let kept = *dest == "./" || dest.trim_end_matches('/') == format!("./{src}");
            assert!(kept, "{line}: {src} lands where the manifest expects it");
            out.push(*src);
        }
    }
    out
}

/// The source files of the `[[bin]]`, `[[test]]` and `[[bench]]` targets Cargo.toml declares
/// (a bench without `path` is `benches/<name>.rs`).
fn manifest_targets() -> Vec<String> {
    let mut out = Vec::new();
    let mut target: Option<(&str, Option<&str>, Option<&str>)> = None;
    let value = |l: &'static str| l.split('"').nth(1);
    let finish = |t: Option<(&str, Option<&str>, Option<&str>)>, out: &mut Vec<String>| {
        if let Some((kind, name, path)) = t {
            let dir = if kind == "bench" { "benches" } else { "tests" };
            out.push(path.map_or_else(
                || format!("{dir}/{}.rs", name.expect("a target name")),
                str::to_owned,
            ));
        }
    };
    for line in CARGO_TOML.lines().map(str::trim) {
        if line.starts_with('[') {
            finish(target.take(), &mut out);
            target = ["bin", "test", "bench"]
                .into_iter()
                .find(|k| line == format!("[[{k}]]"))
                .map(|k| (k, None, None));
        } else if let Some(t) = target.as_mut() {
            if line.starts_with("name") {
                t.1 = value(line);
            } else if line.starts_with("path") {
                t.2 = value(line);
            }
        }
    }
    finish(target, &mut out);
    out
}

/// Whether `path` (relative to the repository root) is in something the build stage copies.
fn copied(copies: &[&str], path: &str) -> bool {
    copies
        .iter()
        .any(|c| path == *c || path.starts_with(&format!("{c}/")))
}

#[test]
fn the_image_build_copies_everything_the_build_reads() {
    let copies = build_stage_copies();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    // The manifest, the lock (--locked), the build script (utoipa-config), the crate, the
    // defaults compiled in with include_str!.
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "build.rs",
        "src",
        "config",
        "migrations",
    ] {
        assert!(copied(&copies, needed), "the image build copies {needed}");
        assert!(root.join(needed).exists(), "{needed} exists");
    }
    // Every target the manifest declares must exist in the image, or cargo refuses the manifest.
    let targets = manifest_targets();
    assert!(targets.len() > 2, "{targets:?}");
    for t in &targets {
        assert!(copied(&copies, t), "the image build copies target {t}");
        assert!(root.join(t).is_file(), "{t} exists");
    }
    // Files the library pulls in from outside src/ (the embedded defaults).
    assert!(copied(&copies, "config/default.toml"));
    // The build script names no file of its own (it would need copying too).
    assert!(!BUILD_RS.contains("include_str!"), "build.rs reads no file");
}

#[test]
fn compose_env_names_are_real_settings_with_redis_and_two_replicas() {
    use eligibility_gateway::config::{LimitBackend, Settings};
    let docs = YamlLoader::load_from_str(COMPOSE).expect("docker-compose.yml parses");
    let services = docs[0]["services"].as_hash().expect("services");
    let gateways: Vec<_> = services
        .iter()
        .filter(|(_, s)| s["environment"]["GATEWAY__SERVER__PORT"].as_str().is_some())
        .collect();
    assert_eq!(gateways.len(), 2, "two replicas");
    let mut host_ports = Vec::new();
    for (name, s) in gateways {
        let name = name.as_str().unwrap();
        let env: std::collections::HashMap<String, String> = s["environment"]
            .as_hash()
            .expect("environment as a map")
            .iter()
            .map(|(k, v)| {
                let k = k.as_str().unwrap().to_owned();
                assert!(k.starts_with("GATEWAY__"), "{name}: {k}");
                (k, v.as_str().expect("quoted value").to_owned())
            })
            .collect();
        // The loader refuses unknown keys: a misspelt variable fails here, not in production.
        let settings = Settings::load_with(None, Some(env))
            .unwrap_or_else(|e| panic!("{name}: its environment is not valid settings: {e}"));
        assert_eq!(settings.limits.backend, LimitBackend::Redis, "{name}");
        assert_eq!(settings.limits.redis_url, "redis://redis:6379/0", "{name}");
        assert_eq!(settings.server.port, 8080, "{name}");
        assert!(
            settings.store.url.starts_with("postgres://")
                && !settings.store.encryption_key_file.is_empty(),
            "{name} keeps transactions in the shared PostgreSQL under a key"
        );
        assert_eq!(settings.server.host, "0.0.0.0", "{name}");
        let ports = s["ports"].as_vec().expect("ports");
        assert_eq!(ports.len(), 1, "{name}");
        let p = ports[0].as_str().unwrap();
        assert!(
            p.starts_with("127.0.0.1:") && p.ends_with(":8080"),
            "{name}: {p}"
        );
        host_ports.push(p.split(':').nth(1).unwrap().to_owned());
        assert!(
            s["depends_on"]
                .as_vec()
                .unwrap()
                .iter()
                .any(|d| d.as_str() == Some("redis")),
            "{name} waits for redis"
        );
    }
    host_ports.sort();
    assert_eq!(host_ports, ["8080", "8081"]);
    assert!(services.contains_key(&yaml_rust2::Yaml::String("redis".into())));
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

const DOCKERIGNORE: &str = include_str!("../../.dockerignore");

#[test]
fn compose_replicas_share_the_oauth_key_from_a_secret_and_outwait_the_shutdown_grace() {
    use eligibility_gateway::config::Settings;
    let docs = YamlLoader::load_from_str(COMPOSE).expect("docker-compose.yml parses");
    let doc = &docs[0];
    let secret = "oauth_signing_key";
    let file = doc["secrets"][secret]["file"]
        .as_str()
        .expect("a file secret");
    assert!(file.starts_with("./secrets/"), "{file}");
    assert!(
        DOCKERIGNORE.lines().any(|l| l == "secrets/"),
        "kept out of the image"
    );
    let grace_ms = Settings::defaults().unwrap().server.shutdown_grace_ms;
    let mut keys = Vec::new();
    for (name, s) in doc["services"].as_hash().unwrap() {
        if s["environment"]["GATEWAY__SERVER__PORT"].as_str().is_none() {
            continue;
        }
        let name = name.as_str().unwrap();
        let mounted = s["secrets"].as_vec().expect("secrets");
        assert!(mounted.iter().any(|m| m.as_str() == Some(secret)), "{name}");
        keys.push(
            s["environment"]["GATEWAY__OAUTH__SIGNING_KEY_FILE"]
                .as_str()
                .unwrap_or_else(|| panic!("{name} reads the key from a file"))
                .to_owned(),
        );
        let grace = s["stop_grace_period"].as_str().expect("stop_grace_period");
        let secs: u64 = grace.trim_end_matches('s').parse().expect("seconds");
        assert!(secs * 1000 > grace_ms, "{name}: {grace} > {grace_ms} ms");
    }
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|k| *k == format!("/run/secrets/{secret}")),
        "{keys:?}"
    );
}

#[test]
fn the_image_checks_its_health_with_the_binary_and_builds_dependencies_first() {
    let health = DOCKERFILE
        .lines()
        .skip_while(|l| !l.starts_with("HEALTHCHECK "))
        .take(2)
        .collect::<String>();
    assert!(
        health.contains(r#"CMD ["/usr/local/bin/eligibility-gateway", "healthcheck"]"#),
        "{health}"
    );
    // The dependencies' build comes before the sources are copied, so it stays cached.
    let deps = DOCKERFILE.find("cargo build").unwrap();
    assert!(deps < DOCKERFILE.find("COPY src ./src").unwrap());
    assert!(!DOCKERFILE.contains("as .ci/run"), "the build is not CI's");
    assert!(
        DOCKERFILE.contains("hadolint ignore=DL3008"),
        "why unpinned"
    );
    for ignored in ["target/", ".git/", "*.pem", "*.key", "signing-key*"] {
        assert!(DOCKERIGNORE.lines().any(|l| l == ignored), "{ignored}");
    }
    // Nothing the build copies is ignored.
    for kept in build_stage_copies() {
        assert!(
            !DOCKERIGNORE
                .lines()
                .any(|l| l.trim_end_matches('/') == kept),
            "{kept}"
        );
    }
}
