//! The loader and the checks: defaults, layering, and a bad value naming its key.

use std::collections::HashMap;

use super::*;

#[allow(clippy::unnecessary_wraps)] // shaped like `load_with`'s argument
fn env(pairs: &[(&str, &str)]) -> Option<HashMap<String, String>> {
    Some(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

#[test]
fn defaults_load_with_the_documented_values() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.server.port, 8080);
    assert_eq!(s.limits.per_account, 5);
    assert_eq!(s.payer.timeout_ms, 60_000);
    assert_eq!(s.sandbox.delay_ms, 0);
    assert_eq!(s.server.max_body_bytes, 1024 * 1024);
    assert_eq!(s.accounts["demo"].mode, Mode::Sandbox);
    assert!(s.server.request_timeout_ms > s.payer.timeout_ms);
}

#[test]
fn connection_deadlines_default_and_load_from_the_environment() {
    let s = Settings::defaults().unwrap();
    assert_eq!(
        (
            s.server.header_timeout_ms,
            s.server.idle_timeout_ms,
            s.server.body_timeout_ms,
            s.server.max_connections,
            s.server.shutdown_grace_ms,
        ),
        (10_000, 60_000, 15_000, 10_000, 65_000)
    );
    assert!(s.server.shutdown_grace_ms > s.payer.timeout_ms);
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__SERVER__HEADER_TIMEOUT_MS", "100"),
            ("GATEWAY__SERVER__IDLE_TIMEOUT_MS", "0"),
            ("GATEWAY__SERVER__SHUTDOWN_GRACE_MS", "2000"),
        ]),
    )
    .unwrap();
    assert_eq!(s.server.header_timeout(), Duration::from_millis(100));
    assert!(s.server.trusted_proxies.is_empty());
    assert_eq!(s.server.idle_timeout(), None);
    assert_eq!(s.server.shutdown_grace(), Duration::from_secs(2));
    for key in [
        "GATEWAY__SERVER__HEADER_TIMEOUT_MS",
        "GATEWAY__SERVER__BODY_TIMEOUT_MS",
        "GATEWAY__SERVER__MAX_CONNECTIONS",
        "GATEWAY__SERVER__SHUTDOWN_GRACE_MS",
    ] {
        let e = Settings::load_with(None, env(&[(key, "0")]))
            .unwrap_err()
            .to_string();
        let name = key.trim_start_matches("GATEWAY__SERVER__").to_lowercase();
        assert!(e.contains(&format!("server.{name}")), "{key}: {e}");
    }
}

#[test]
fn environment_overrides_by_section_and_key() {
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__SERVER__PORT", "9090"),
            ("GATEWAY__LIMITS__PER_ACCOUNT", "7"),
            ("GATEWAY__SANDBOX__DELAY_MS", "1500"),
            ("GATEWAY__PAYER__TIMEOUT_MS", "100"),
        ]),
    )
    .unwrap();
    assert_eq!(
        (
            s.server.port,
            s.limits.per_account,
            s.sandbox.delay_ms,
            s.payer.timeout_ms
        ),
        (9090, 7, 1500, 100)
    );
}

#[test]
fn trusted_proxies_and_auth_throttling_load_and_are_checked() {
    let s = Settings::defaults().unwrap();
    assert!(s.server.trusted_proxies.is_empty());
    assert_eq!(s.auth.failures_per_minute, 30);
    let s = Settings::load_with(
        None,
        env(&[
            (
                "GATEWAY__SERVER__TRUSTED_PROXIES",
                "10.0.0.0/8, 192.168.1.7",
            ),
            ("GATEWAY__AUTH__FAILURES_PER_MINUTE", "5"),
        ]),
    )
    .unwrap();
    assert_eq!(s.server.trusted_proxies, ["10.0.0.0/8", "192.168.1.7"]);
    assert_eq!(s.auth.failures_per_minute, 5);
    let e = Settings::load_with(
        None,
        env(&[("GATEWAY__SERVER__TRUSTED_PROXIES", "10.0.0.0/8,lb.local")]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("server.trusted_proxies[1]"), "{e}");
    let s = Settings::defaults().unwrap();
    assert!(s.metrics.enabled && s.metrics.listen.is_empty());
    let s = Settings::load_with(None, env(&[("GATEWAY__METRICS__LISTEN", "127.0.0.1:9464")]));
    assert_eq!(s.unwrap().metrics.listen, "127.0.0.1:9464");
    let e = Settings::load_with(None, env(&[("GATEWAY__METRICS__LISTEN", "metrics:80")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("metrics.listen"), "{e}");
    let e = Settings::load_with(None, env(&[("GATEWAY__AUTH__FAILURES_PER_MINUTE", "0")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("auth.failures_per_minute"), "{e}");
}

#[test]
fn codes_stay_strings() {
    let s = Settings::load_with(None, env(&[("GATEWAY__META__SENDER_ID", "00006")])).unwrap();
    assert_eq!(s.meta.sender_id, "00006");
}

#[test]
fn a_bad_setting_names_its_key() {
    let e = Settings::load_with(None, env(&[("GATEWAY__SERVER__PORT", "eighty")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("server.port"), "{e}");
    let e = Settings::load_with(None, env(&[("GATEWAY__LIMITS__PER_ACCOUNT", "0")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("limits.per_account"), "{e}");
    let e = Settings::load_with(None, env(&[("GATEWAY__SERVER__COLOUR", "blue")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("colour"), "{e}");
    let e = Settings::load_with(
        None,
        env(&[("GATEWAY__ACCOUNTS__DEMO__API_KEY_HASHES", "plain")]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("api_key_hashes"), "{e}");
}

#[test]
fn x12_envelope_settings_are_checked_by_key() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.x12.trace_originator.len(), 10);
    let s = Settings::load_with(
        None,
        env(&[("GATEWAY__X12__PAYER_NAMES__00006", "Acme Health")]),
    )
    .unwrap();
    assert_eq!(
        s.x12.payer_names["00006"], "Acme Health",
        "payer IDs stay strings"
    );
    for (key, value, named) in [
        ("GATEWAY__X12__USAGE", "X", "x12.usage"),
        (
            "GATEWAY__X12__TRACE_ORIGINATOR",
            "123",
            "x12.trace_originator",
        ),
        ("GATEWAY__X12__SENDER_ID", "", "x12.sender_id"),
        ("GATEWAY__X12__RECEIVER_ID", "A*B", "x12.receiver_id"),
        (
            "GATEWAY__X12__SENDER_ID",
            "SIXTEEN-CHARS-XX",
            "x12.sender_id",
        ),
        (
            "GATEWAY__X12__PAYER_NAMES__00006",
            "A~B",
            "x12.payer_names.00006",
        ),
    ] {
        let e = Settings::load_with(None, env(&[(key, value)]))
            .unwrap_err()
            .to_string();
        assert!(e.contains(named), "{key}={value}: {e}");
    }
}

#[test]
fn limits_default_to_memory_and_read_redis_keys_from_the_environment() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.limits.backend, LimitBackend::Memory);
    assert_eq!(s.limits.lease_ms, 15_000);
    assert_eq!(s.limits.backend_timeout_ms, 100);
    assert_eq!(s.limits.on_backend_error, OnBackendError::Local);
    assert_eq!(s.sandbox.max_in_flight, None);
    assert_eq!(s.limits.redis_target(&|_| None).unwrap(), None);
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__LIMITS__BACKEND", "redis"),
            (
                "GATEWAY__LIMITS__REDIS_URL",
                "rediss://:hunter2@redis.internal:6380/0",
            ),
            ("GATEWAY__LIMITS__LEASE_MS", "3000"),
            ("GATEWAY__LIMITS__ON_BACKEND_ERROR", "refuse"),
            ("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "50"),
            ("GATEWAY__SANDBOX__MAX_IN_FLIGHT", "4"),
        ]),
    )
    .unwrap();
    assert_eq!(s.limits.backend, LimitBackend::Redis);
    assert_eq!((s.limits.lease_ms, s.limits.backend_timeout_ms), (3000, 50));
    assert_eq!(s.limits.on_backend_error, OnBackendError::Refuse);
    assert_eq!(s.sandbox.max_in_flight, Some(4));
    assert_eq!(
        s.limits.redis_target(&|_| None).unwrap(),
        Some(RedisTarget::Server(
            "rediss://:hunter2@redis.internal:6380/0".into()
        ))
    );
    let shown = format!("{s:?}");
    assert!(
        !shown.contains("hunter2"),
        "the password is redacted: {shown}"
    );
    assert!(shown.contains("redis.internal"), "{shown}");
}

#[test]
fn the_redis_url_may_come_from_a_variable_and_is_checked_when_read() {
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__LIMITS__BACKEND", "redis"),
            ("GATEWAY__LIMITS__REDIS_URL_ENV", "REDIS_URL"),
        ]),
    )
    .unwrap();
    let url = s
        .limits
        .redis_target(&|n| (n == "REDIS_URL").then(|| "redis://:pw@127.0.0.1:6379".into()))
        .unwrap();
    assert_eq!(
        url,
        Some(RedisTarget::Server("redis://:pw@127.0.0.1:6379".into()))
    );
    let e = s
        .limits
        .redis_target(&|_| Some("http://127.0.0.1:6379".into()))
        .unwrap_err()
        .to_string();
    assert!(e.contains("limits.redis_url_env"), "{e}");
    let e = s.limits.redis_target(&|_| None).unwrap_err().to_string();
    assert!(
        e.contains("limits.redis_url_env") && e.contains("REDIS_URL"),
        "{e}"
    );
}

#[test]
fn bad_limit_settings_name_their_key() {
    // (why, variables, the key the error must name)
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (
            "unknown backend",
            &[("GATEWAY__LIMITS__BACKEND", "etcd")],
            "backend",
        ),
        (
            "redis without a URL",
            &[("GATEWAY__LIMITS__BACKEND", "redis")],
            "limits.redis_url",
        ),
        (
            "not a redis URL",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "http://x:6379"),
            ],
            "limits.redis_url",
        ),
        (
            "no host",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "redis:///0"),
            ],
            "limits.redis_url",
        ),
        (
            "several hosts without the cluster scheme",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "redis://a:7000,b:7001"),
            ],
            "limits.redis_url",
        ),
        (
            "cluster without seed nodes",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "redis+cluster:///"),
            ],
            "limits.redis_url",
        ),
        (
            "cluster with an empty seed node",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                (
                    "GATEWAY__LIMITS__REDIS_URL",
                    "redis+cluster://a:7000,,b:7001",
                ),
            ],
            "limits.redis_url",
        ),
        (
            "cluster with a database other than 0",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "redis+cluster://a:7000/2"),
            ],
            "limits.redis_url",
        ),
        (
            "unknown cluster scheme",
            &[
                ("GATEWAY__LIMITS__BACKEND", "redis"),
                ("GATEWAY__LIMITS__REDIS_URL", "redis-cluster://a:7000"),
            ],
            "limits.redis_url",
        ),
        (
            "URL inline and from a file",
            &[
                ("GATEWAY__LIMITS__REDIS_URL", "redis://r"),
                ("GATEWAY__LIMITS__REDIS_URL_FILE", "/run/url"),
            ],
            "limits.redis_url",
        ),
        (
            "URL from a variable and a file",
            &[
                ("GATEWAY__LIMITS__REDIS_URL_ENV", "U"),
                ("GATEWAY__LIMITS__REDIS_URL_FILE", "/run/url"),
            ],
            "limits.redis_url_env",
        ),
        (
            "short lease",
            &[("GATEWAY__LIMITS__LEASE_MS", "99")],
            "limits.lease_ms",
        ),
        (
            "lease not a number",
            &[("GATEWAY__LIMITS__LEASE_MS", "soon")],
            "lease_ms",
        ),
        (
            "zero timeout",
            &[("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "0")],
            "limits.backend_timeout_ms",
        ),
        (
            "timeout not below the lease",
            &[
                ("GATEWAY__LIMITS__LEASE_MS", "500"),
                ("GATEWAY__LIMITS__BACKEND_TIMEOUT_MS", "500"),
            ],
            "limits.backend_timeout_ms",
        ),
        (
            "unknown fallback",
            &[("GATEWAY__LIMITS__ON_BACKEND_ERROR", "queue")],
            "on_backend_error",
        ),
        (
            "zero sandbox cap",
            &[("GATEWAY__SANDBOX__MAX_IN_FLIGHT", "0")],
            "sandbox.max_in_flight",
        ),
        (
            "zero connector cap",
            &[
                ("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "http"),
                ("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "stedi"),
                (
                    "GATEWAY__PAYERS__CONNECTORS__UP__URL",
                    "https://up.example/x",
                ),
                ("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_ENV", "K"),
                ("GATEWAY__PAYERS__CONNECTORS__UP__MAX_IN_FLIGHT", "0"),
            ],
            "payers.connectors.up.max_in_flight",
        ),
    ];
    for (why, vars, key) in cases {
        let e = Settings::load_with(None, env(vars))
            .err()
            .unwrap_or_else(|| panic!("{why}: accepted"))
            .to_string();
        assert!(e.contains(key), "{why}: {e}");
    }
}

#[test]
fn cluster_urls_become_one_url_per_seed_node_with_the_same_user_tls_and_options() {
    let cluster =
        |urls: &[&str]| RedisTarget::Cluster(urls.iter().map(|u| (*u).to_owned()).collect());
    for (url, want) in [
        (
            "redis+cluster://:pw@r1:7000,r2:7001, r3:7002/",
            cluster(&[
                "redis://:pw@r1:7000/",
                "redis://:pw@r2:7001/",
                "redis://:pw@r3:7002/",
            ]),
        ),
        (
            "rediss+cluster://app:pw@r1:6380,r2:6380/0?protocol=resp3",
            cluster(&[
                "rediss://app:pw@r1:6380/0?protocol=resp3",
                "rediss://app:pw@r2:6380/0?protocol=resp3",
            ]),
        ),
        ("redis+cluster://r1", cluster(&["redis://r1"])),
        (
            "rediss://:pw@redis:6380/1",
            RedisTarget::Server("rediss://:pw@redis:6380/1".into()),
        ),
    ] {
        assert_eq!(RedisTarget::parse(url).as_ref(), Ok(&want), "{url}");
    }
    let e = RedisTarget::parse("redis+cluster://:hunter2@a:1,:2").unwrap_err();
    assert!(e.contains("seed node 2") && !e.contains("hunter2"), "{e}");
    let shown = format!(
        "{:?}",
        RedisTarget::parse("redis+cluster://:hunter2@a:1,b:2").unwrap()
    );
    assert!(
        !shown.contains("hunter2") && shown.contains("b:2"),
        "{shown}"
    );
    // Start-up accepts a cluster URL from the environment, TLS too.
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__LIMITS__BACKEND", "redis"),
            (
                "GATEWAY__LIMITS__REDIS_URL",
                "rediss+cluster://:pw@r1:6380,r2:6380",
            ),
        ]),
    )
    .unwrap();
    assert!(s.limits.redis_target(&|_| None).unwrap().is_some());
}

#[test]
fn postgres_urls_lose_query_passwords_when_shown() {
    for (url, shown) in [
        (
            "postgres://u@db/x?password=pw&sslmode=require",
            "postgres://<redacted>@db/x?password=<redacted>&sslmode=require",
        ),
        (
            "postgres://db/x?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslpassword=pw",
            "postgres://db/x?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslpassword=<redacted>",
        ),
        (
            "postgres://db/x?sslmode=require",
            "postgres://db/x?sslmode=require",
        ),
    ] {
        assert_eq!(redact_url(url), shown);
    }
}

#[test]
fn redis_urls_lose_their_password_when_shown() {
    for (url, shown) in [
        ("redis://:pw@host:6379/0", "redis://<redacted>@host:6379/0"),
        ("rediss://user:pw@host", "rediss://<redacted>@host"),
        ("redis://host:6379", "redis://host:6379"),
        ("redis://u:p@ss@host/1", "redis://<redacted>@host/1"),
        (
            "rediss+cluster://:pw@a:1,b:2/0",
            "rediss+cluster://<redacted>@a:1,b:2/0",
        ),
    ] {
        assert_eq!(redact_url(url), shown);
    }
}

#[test]
fn a_named_file_must_exist() {
    let e = Settings::load_with(Some(Path::new("/nonexistent/gateway.toml")), env(&[]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("gateway.toml"), "{e}");
}

#[test]
fn oauth_defaults_and_the_sandbox_client() {
    let s = Settings::defaults().unwrap();
    assert_eq!(s.oauth.token_ttl_secs, 3600);
    assert!(!s.oauth.signing_key().is_set(), "random key by default");
    let clients = &s.accounts["demo"].oauth_clients;
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].client_id, "sandbox-client");
    assert_eq!(
        s.payers.default, "",
        "no default route: unknown payers get 400"
    );
    assert!(s.payers.routes.is_empty() && s.payers.connectors.is_empty());
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__OAUTH__TOKEN_TTL_SECS", "60"),
            ("GATEWAY__OAUTH__SIGNING_KEY_ENV", "GW_KEY"),
        ]),
    )
    .unwrap();
    assert_eq!(s.oauth.token_ttl_secs, 60);
    assert!(s.oauth.signing_key().is_set());
}

#[test]
fn routes_and_connectors_load_from_the_environment_with_payer_ids_as_strings() {
    let s = Settings::load_with(
        None,
        env(&[
            ("GATEWAY__PAYERS__DEFAULT", "sandbox"),
            ("GATEWAY__PAYERS__ROUTES__00006", "stedi"),
            ("GATEWAY__PAYERS__ROUTES__6", "core"),
            ("GATEWAY__PAYERS__CONNECTORS__STEDI__KIND", "http"),
            ("GATEWAY__PAYERS__CONNECTORS__STEDI__FLAVOR", "stedi"),
            (
                "GATEWAY__PAYERS__CONNECTORS__STEDI__URL",
                "https://stedi.example/raw-x12",
            ),
            (
                "GATEWAY__PAYERS__CONNECTORS__STEDI__API_KEY_ENV",
                "STEDI_API_KEY",
            ),
            ("GATEWAY__PAYERS__CONNECTORS__CORE__KIND", "caqh-core"),
            (
                "GATEWAY__PAYERS__CONNECTORS__CORE__URL",
                "https://core.example/soap",
            ),
            ("GATEWAY__PAYERS__CONNECTORS__CORE__SENDER_ID", "00123"),
            ("GATEWAY__PAYERS__CONNECTORS__CORE__RECEIVER_ID", "000456"),
            ("GATEWAY__PAYERS__CONNECTORS__CORE__USERNAME", "gateway"),
            (
                "GATEWAY__PAYERS__CONNECTORS__CORE__PASSWORD_FILE",
                "/run/secrets/core",
            ),
        ]),
    )
    .unwrap();
    assert_eq!(s.payers.default, "sandbox");
    assert_eq!(s.payers.routes["00006"], "stedi");
    assert_eq!(
        s.payers.routes["6"], "core",
        "6 and 00006 are different payers"
    );
    let stedi = &s.payers.connectors["stedi"];
    assert_eq!(
        (stedi.kind, stedi.flavor),
        (ConnectorKind::Http, Some(HttpFlavor::Stedi))
    );
    let core = &s.payers.connectors["core"];
    assert_eq!(core.kind, ConnectorKind::CaqhCore);
    assert_eq!(core.sender_id.as_deref(), Some("00123"));
    assert_eq!(core.receiver_id.as_deref(), Some("000456"));
    assert!(core.password("core").is_set());
}

#[test]
fn routes_and_connectors_load_from_a_file() {
    let path = std::env::temp_dir().join(format!("eg-routes-{}.toml", uuid::Uuid::new_v4()));
    std::fs::write(
        &path,
        r#"
[payers]
default = "optum"
[payers.routes]
"00006" = "optum"
87726 = "optum"
[payers.connectors.optum]
kind = "http"
flavor = "change"
url = "https://apigw.example/medicalnetwork/eligibility/v3/raw-x12"
token_url = "https://apigw.example/apip/auth/v2/token"
client_id = "gateway"
client_secret_file = "/run/secrets/optum"

[accounts.clinic]
mode = "production"
oauth_clients = [{ client_id = "clinic-app", secret_hash = "sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" }]
"#,
    )
    .unwrap();
    let s = Settings::load_with(Some(&path), env(&[])).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(s.payers.routes["00006"], "optum");
    assert_eq!(s.payers.routes["87726"], "optum");
    let optum = &s.payers.connectors["optum"];
    assert_eq!(optum.flavor, Some(HttpFlavor::Change));
    assert!(optum.client_secret("optum").is_set());
    assert_eq!(
        s.accounts["clinic"].oauth_clients[0].client_id,
        "clinic-app"
    );
    assert_eq!(
        s.accounts["demo"].mode,
        Mode::Sandbox,
        "defaults still there"
    );
}

#[test]
fn bad_routes_connectors_and_clients_name_their_key() {
    let stedi = [
        ("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "http"),
        ("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "stedi"),
        (
            "GATEWAY__PAYERS__CONNECTORS__UP__URL",
            "https://up.example/raw-x12",
        ),
        ("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_ENV", "UP_KEY"),
    ];
    assert!(
        Settings::load_with(None, env(&stedi)).is_ok(),
        "the base case loads"
    );
    for (why, extra, want) in [
        (
            "route to an unknown connector",
            vec![("GATEWAY__PAYERS__ROUTES__00007", "nowhere")],
            "payers.routes.00007",
        ),
        (
            "unknown default",
            vec![("GATEWAY__PAYERS__DEFAULT", "nowhere")],
            "payers.default",
        ),
        (
            "flavor missing",
            vec![
                ("GATEWAY__PAYERS__CONNECTORS__X__KIND", "http"),
                ("GATEWAY__PAYERS__CONNECTORS__X__URL", "https://x"),
            ],
            "payers.connectors.x.flavor",
        ),
        (
            "unknown kind",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__KIND", "ftp")],
            "ftp",
        ),
        (
            "bad url",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__URL", "up.example")],
            "payers.connectors.up.url",
        ),
        (
            "key and file together",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY_FILE", "/k")],
            "payers.connectors.up.api_key_env",
        ),
        (
            "a CORE field on an http connector",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__SENDER_ID", "1")],
            "payers.connectors.up.sender_id",
        ),
        (
            "change flavor without its token settings",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__FLAVOR", "change")],
            "payers.connectors.up.token_url",
        ),
        (
            "unknown connector key",
            vec![("GATEWAY__PAYERS__CONNECTORS__UP__API_KEY", "literal")],
            "api_key",
        ),
        (
            "a connector called sandbox",
            vec![("GATEWAY__PAYERS__CONNECTORS__SANDBOX__KIND", "http")],
            "payers.connectors.sandbox",
        ),
        (
            "zero token lifetime",
            vec![("GATEWAY__OAUTH__TOKEN_TTL_SECS", "0")],
            "oauth.token_ttl_secs",
        ),
        (
            "signing key from both sources",
            vec![
                ("GATEWAY__OAUTH__SIGNING_KEY_ENV", "K"),
                ("GATEWAY__OAUTH__SIGNING_KEY_FILE", "/k"),
            ],
            "oauth.signing_key_env",
        ),
    ] {
        let mut pairs = stedi.to_vec();
        pairs.extend(extra);
        let e = Settings::load_with(None, env(&pairs))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{why}: {e}");
    }
    let e = Settings::load_with(
        None,
        env(&[("GATEWAY__ACCOUNTS__DEMO__OAUTH_CLIENTS", "plain")]),
    )
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(e.contains("oauth_clients"), "{e}");
}

#[test]
fn key_hashes_decode() {
    assert_eq!(
        parse_key_hash(&format!("sha256:{}", "ab".repeat(32))),
        Some([0xab; 32])
    );
    assert_eq!(parse_key_hash("sha256:abc"), None);
    assert_eq!(parse_key_hash(&"ab".repeat(32)), None);
}

#[test]
fn a_hashed_key_parses_back_to_its_digest() {
    let hash = hash_key("sandbox-api-key");
    assert!(hash.starts_with("sha256:c27f1dc0"), "{hash}");
    let digest = parse_key_hash(&hash).unwrap();
    assert_eq!(digest[..4], [0xc2, 0x7f, 0x1d, 0xc0]);
    assert_ne!(parse_key_hash(&hash_key("another key")), Some(digest));
}

#[test]
fn connector_transport_keys_load_and_are_checked() {
    const CORE: [(&str, &str); 6] = [
        ("GATEWAY__PAYERS__CONNECTORS__C__KIND", "caqh-core"),
        (
            "GATEWAY__PAYERS__CONNECTORS__C__URL",
            "https://core.example/rt",
        ),
        ("GATEWAY__PAYERS__CONNECTORS__C__SENDER_ID", "S"),
        ("GATEWAY__PAYERS__CONNECTORS__C__RECEIVER_ID", "R"),
        ("GATEWAY__PAYERS__CONNECTORS__C__CLIENT_CERT_FILE", "/c.pem"),
        ("GATEWAY__PAYERS__CONNECTORS__C__CLIENT_KEY_FILE", "/k.pem"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = CORE.to_vec();
        pairs.extend_from_slice(extra);
        Settings::load_with(None, env(&pairs))
    };
    let s = with(&[
        ("GATEWAY__PAYERS__CONNECTORS__C__ENVELOPE", "mime"),
        ("GATEWAY__PAYERS__CONNECTORS__C__TIMEOUT_MS", "20000"),
        ("GATEWAY__PAYERS__CONNECTORS__C__BREAKER__FAILURES", "3"),
        ("GATEWAY__PAYERS__CONNECTORS__C__TLS_MIN_VERSION", "1.3"),
    ])
    .expect("a certificate stands in for the username and password");
    let c = &s.payers.connectors["c"];
    assert_eq!(c.envelope, Some(super::CoreEnvelope::Mime));
    assert_eq!(c.timeout_ms, Some(20_000));
    assert_eq!((c.breaker.failures, c.breaker.open_ms), (3, 30_000));
    assert_eq!(c.tls_min(), super::TlsMinVersion::V1_3);
    for (why, extra, key) in [
        (
            "username without password",
            ("GATEWAY__PAYERS__CONNECTORS__C__USERNAME", "u"),
            "password_env",
        ),
        (
            "unknown envelope",
            ("GATEWAY__PAYERS__CONNECTORS__C__ENVELOPE", "xml"),
            "envelope",
        ),
        (
            "breaker that never opens",
            ("GATEWAY__PAYERS__CONNECTORS__C__BREAKER__FAILURES", "0"),
            "breaker.failures",
        ),
        (
            "zero deadline",
            ("GATEWAY__PAYERS__CONNECTORS__C__TIMEOUT_MS", "0"),
            "timeout_ms",
        ),
        (
            "too many retries",
            ("GATEWAY__PAYERS__CONNECTORS__C__RETRIES", "9"),
            "retries",
        ),
        (
            "PKCS#12 beside PEM",
            (
                "GATEWAY__PAYERS__CONNECTORS__C__CLIENT_PKCS12_FILE",
                "/c.p12",
            ),
            "client_pkcs12_file",
        ),
    ] {
        let e = with(&[extra]).unwrap_err().to_string();
        assert!(e.contains(key), "{why}: {e}");
    }
    let mut http = vec![
        ("GATEWAY__PAYERS__CONNECTORS__H__KIND", "http"),
        ("GATEWAY__PAYERS__CONNECTORS__H__FLAVOR", "stedi"),
        ("GATEWAY__PAYERS__CONNECTORS__H__URL", "https://h.example/x"),
        ("GATEWAY__PAYERS__CONNECTORS__H__API_KEY_ENV", "K"),
    ];
    http.push(("GATEWAY__PAYERS__CONNECTORS__H__ENVELOPE", "mime"));
    let e = Settings::load_with(None, env(&http))
        .unwrap_err()
        .to_string();
    assert!(e.contains("envelope") && e.contains("caqh-core"), "{e}");
}
