//! The store on PostgreSQL over TLS: a server of its own per test (initdb + `pg_ctl`, `ssl=on`
//! with certificates made at test time, only `hostssl` accepted), apart from the shared plaintext
//! one in `postgres.rs`, stopped and removed on drop. The gateway's URL parameters (`sslmode`,
//! `sslrootcert`, `sslcert`, `sslkey`) reach both of its pools; TLS failures stop start-up naming
//! the setting, never showing the password.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use eligibility_gateway::config::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, RAW, SecretFile, TestApp, inquiry, secret_file, spawn_app};
use crate::postgres::{as_postgres, bin_dir, free_port, fresh_database, initdb, is_root};
use crate::tls_fakes::Ca;

/// `pg_hba.conf` lines (after `local all all trust`): TLS or nothing.
const TLS_ONLY: &str = "hostssl all all 127.0.0.1/32 trust\n\
                        hostnossl all all 127.0.0.1/32 reject\n";

/// TLS and a client certificate from the test CA whose CN is the user, or nothing.
const CLIENT_CERT_ONLY: &str = "hostssl all all 127.0.0.1/32 cert\n\
                                hostnossl all all 127.0.0.1/32 reject\n";

/// Never accepted by the server (trust), never to be shown by the gateway.
const PASSWORD: &str = "pw-never-shown-7Q";

/// A PostgreSQL server speaking TLS, under a certificate for 127.0.0.1 and localhost from `ca`.
struct TlsPostgres {
    dir: PathBuf,
    data: PathBuf,
    port: u16,
    ca: Ca,
}

fn chown_to_postgres(path: &Path) {
    if is_root() {
        let ok = Command::new("chown")
            .arg("postgres:postgres")
            .arg(path)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown {} to postgres", path.display());
    }
}

fn pg_ctl(data: &Path, args: &[&str]) -> std::process::Output {
    let data = data.to_str().expect("UTF-8 temp path");
    let mut all = vec!["-D", data];
    all.extend_from_slice(args);
    as_postgres(&bin_dir().join("pg_ctl"), &all)
        .stdin(Stdio::null())
        .output()
        .expect("run pg_ctl")
}

impl TlsPostgres {
    /// initdb, certificates, `ssl=on`, `hba` as `pg_hba.conf`; started (waits at most 30 s).
    fn start(hba: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("eg-pgtls-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create the PostgreSQL directory");
        chown_to_postgres(&dir);
        let server = Self {
            data: dir.join("data"),
            dir,
            port: free_port(),
            ca: Ca::new("test PostgreSQL CA"),
        };
        let data_s = server.data.to_str().expect("UTF-8 temp path");
        initdb(&bin_dir(), data_s);
        let leaf = server.ca.server();
        let (cert, key, ca) = (
            server.dir.join("server.crt"),
            server.dir.join("server.key"),
            server.ca_file(),
        );
        std::fs::write(&cert, &leaf.cert_pem).unwrap();
        std::fs::write(&key, &leaf.key_pem).unwrap();
        std::fs::write(&ca, server.ca.pem()).unwrap();
        // PostgreSQL refuses a key file others can read, or one it does not own.
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
        for f in [&cert, &key, &ca] {
            chown_to_postgres(f);
        }
        let conf = format!(
            "\nport = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{dir}'\n\
             ssl = on\nssl_cert_file = '{cert}'\nssl_key_file = '{key}'\nssl_ca_file = '{ca}'\n\
             fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n",
            port = server.port,
            dir = server.dir.display(),
            cert = cert.display(),
            key = key.display(),
            ca = ca.display(),
        );
        let mut pg_conf = std::fs::read_to_string(server.data.join("postgresql.conf")).unwrap();
        pg_conf.push_str(&conf);
        std::fs::write(server.data.join("postgresql.conf"), pg_conf).unwrap();
        std::fs::write(
            server.data.join("pg_hba.conf"),
            format!("local all all trust\n{hba}"),
        )
        .unwrap();
        let log = server.dir.join("log");
        let out = pg_ctl(
            &server.data,
            &["-l", log.to_str().unwrap(), "-w", "-t", "30", "start"],
        );
        assert!(
            out.status.success(),
            "PostgreSQL with TLS did not start on port {} within 30 s: {}{}",
            server.port,
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        server
    }

    /// The CA's certificate file.
    fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    /// A URL for the `postgres` database (with a password the server never asks for) and `query`.
    fn url(&self, query: &str) -> String {
        format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:{}/postgres?{query}",
            self.port
        )
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let _ = pg_ctl(&self.data, &["-m", "immediate", "-w", "-t", "30", "stop"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A file under `dir` holding `contents`, readable by the test.
fn write_file(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_owned()
}

fn key_file() -> SecretFile {
    secret_file(&eligibility_gateway::store::crypto::random_secret().unwrap())
}

/// Start-up on `tweak`ed defaults with a store key: the error it stops with.
async fn start_up_error(tweak: impl FnOnce(&mut Settings)) -> String {
    let mut s = Settings::defaults().unwrap();
    s.server.host = "127.0.0.1".into();
    s.server.port = 0;
    let key = key_file();
    s.store.encryption_key_file = key.path();
    tweak(&mut s);
    match eligibility_gateway::app::App::build(&s).await {
        Ok(_) => panic!("start-up succeeded"),
        Err(e) => e.to_string(),
    }
}

/// Records a transaction through raw X12 and reads it back by the id its answer names.
async fn records_and_reads_back(app: &TestApp, last: &str) {
    let res = app
        .post(RAW)
        .header("Authorization", DEMO_KEY)
        .json(&json!({ "x12": inquiry("842610001", "MBR00000091", last, "JOHNONE") }))
        .send()
        .await
        .expect("POST raw-x12");
    assert_eq!(res.status(), StatusCode::OK);
    let id = res
        .headers()
        .get("x-transaction-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-transaction-id on the answer")
        .to_owned();
    // The writer stores it on its own connection; bounded wait for it.
    for _ in 0..500 {
        let res = app
            .client()
            .get(format!("{}/rcm/eligibility/v1/transactions/{id}", app.base))
            .header("Authorization", DEMO_KEY)
            .send()
            .await
            .expect("GET transaction");
        if res.status() == StatusCode::OK {
            let t: Value = res.json().await.unwrap();
            assert_eq!(t["patient"]["lastName"], last);
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("transaction {id} was never stored over TLS");
}

#[tokio::test]
async fn postgres_over_tls_verify_full_records_and_reads_back_a_transaction() {
    let pg = TlsPostgres::start(TLS_ONLY);
    let url = pg.url(&format!(
        "sslmode=verify-full&sslrootcert={}",
        pg.ca_file().display()
    ));
    let key = key_file();
    let app = spawn_app(|s| {
        s.store.url = url;
        s.store.encryption_key_file = key.path();
    })
    .await;
    // The server refuses plaintext, so both pools (reads and the writer) spoke TLS.
    records_and_reads_back(&app, "TLSVERIFIED").await;
}

#[tokio::test]
async fn postgres_client_certificates_authenticate_the_store() {
    let pg = TlsPostgres::start(CLIENT_CERT_ONLY);
    let client = pg.ca.client("postgres");
    let cert = write_file(&pg.dir, "client.crt", &client.cert_pem);
    let key_pem = write_file(&pg.dir, "client.key", &client.key_pem);
    let ca = pg.ca_file();
    let base = format!("sslmode=verify-ca&sslrootcert={}", ca.display());
    let url = pg.url(&format!("{base}&sslcert={cert}&sslkey={key_pem}"));
    let key = key_file();
    let app = spawn_app(|s| {
        s.store.url = url;
        s.store.encryption_key_file = key.path();
    })
    .await;
    records_and_reads_back(&app, "CLIENTCERT").await;
    // Without the certificate the server refuses the connection.
    let err = start_up_error(|s| s.store.url = pg.url(&base)).await;
    assert!(
        err.contains("`store.url`") && err.contains("set `sslcert` and `sslkey`"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
}

#[tokio::test]
async fn a_postgres_that_accepts_only_tls_refuses_an_sslmode_disable_store_at_start_up() {
    let pg = TlsPostgres::start(TLS_ONLY);
    let err = start_up_error(|s| {
        s.store.url = pg.url(&format!("sslmode=disable&password={PASSWORD}"));
    })
    .await;
    assert!(
        err.contains("`store.url`")
            && err.contains("cannot be opened")
            && err.contains("no encryption")
            && err.contains("sslmode"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
}

#[tokio::test]
async fn postgres_verify_full_under_a_wrong_ca_or_the_public_roots_stops_start_up_naming_the_key() {
    let pg = TlsPostgres::start(TLS_ONLY);
    let other = write_file(&pg.dir, "other-ca.pem", &Ca::new("another CA").pem());
    let url = secret_file(&pg.url(&format!("sslmode=verify-full&sslrootcert={other}")));
    let err = start_up_error(|s| {
        s.store.url = String::new();
        s.store.url_file = url.path();
    })
    .await;
    assert!(
        err.contains("`store.url_file`")
            && err.contains("cannot be opened")
            && err.contains("UnknownIssuer")
            && err.contains("sslrootcert"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
    // libpq's `sslrootcert=system`: the public roots (verify-full), which do not hold the test CA.
    let err = start_up_error(|s| s.store.url = pg.url("sslrootcert=system")).await;
    assert!(
        err.contains("`store.url`")
            && err.contains("sslmode=verify-full")
            && err.contains("UnknownIssuer"),
        "{err}"
    );
}

#[tokio::test]
async fn a_postgres_without_tls_stops_a_store_that_requires_it() {
    // The shared test server has no TLS.
    let url = fresh_database()
        .await
        .replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1);
    let err = start_up_error(|s| s.store.url = format!("{url}?sslmode=require")).await;
    assert!(
        err.contains("`store.url`")
            && err.contains("cannot be opened")
            && err.contains("does not support TLS"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
}

#[tokio::test]
async fn a_postgres_certificate_file_that_cannot_be_read_or_an_sslpassword_stops_start_up() {
    let dir = crate::helpers::TempDir::new();
    let missing = dir.0.join("no-such-ca.pem");
    let err = start_up_error(|s| {
        s.store.url = format!(
            "postgres://postgres:{PASSWORD}@127.0.0.1:1/postgres?sslmode=verify-full&sslrootcert={}",
            missing.display()
        );
    })
    .await;
    assert!(
        err.contains("`store.url`")
            && err.contains("sslrootcert")
            && err.contains(missing.to_str().unwrap()),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
    // sqlx cannot use an encrypted key, and would log an unknown parameter's value.
    let err = start_up_error(|s| {
        s.store.url = format!(
            "postgres://postgres@127.0.0.1:1/postgres?sslmode=require&sslpassword={PASSWORD}"
        );
    })
    .await;
    assert!(
        err.contains("`store.url`") && err.contains("`sslpassword`"),
        "{err}"
    );
    assert!(!err.contains(PASSWORD), "{err}");
}
