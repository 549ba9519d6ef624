//! A real PostgreSQL server for the tests: one per test binary run (initdb + postgres on a free
//! loopback port in a temporary directory, as the `postgres` user when running as root), stopped
//! and removed when the binary exits; a fresh database per test.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The server: its port.
struct Server {
    port: u16,
}

pub fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): \
             apt-get install postgresql"
        )
    })
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs `program args` as the postgres user when root.
pub fn as_postgres(program: &std::path::Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program).args(args);
        c
    } else {
        let mut c = Command::new(program);
        c.args(args);
        c
    }
}

/// Runs `program args` as the postgres user when root; its standard output. Fails the test with
/// the program's standard error when it does not succeed.
pub fn run_as_postgres(program: &std::path::Path, args: &[&str]) -> String {
    let name = program.file_name().unwrap_or_default().to_string_lossy();
    let out = as_postgres(program, args)
        .output()
        .unwrap_or_else(|e| panic!("run {name}: {e}"));
    assert!(
        out.status.success(),
        "{name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes a cluster in `data` (trust authentication, superuser `postgres`, UTF-8).
pub fn initdb(bin: &std::path::Path, data: &str) {
    run_as_postgres(
        &bin.join("initdb"),
        &[
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let bin = bin_dir();
        let dir = std::env::temp_dir().join(format!("eg-pg-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create the PostgreSQL directory");
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                ok,
                "chown the PostgreSQL directory to postgres (is the user there?)"
            );
        }
        let data = dir.join("data");
        let data_s = data.to_str().expect("UTF-8 temp path");
        initdb(&bin, data_s);
        let port = free_port();
        // The server lives while this test binary does: a shell watches our pid, then stops it
        // and removes its directory.
        let script = format!(
            "{postgres} -D {data_s} -p {port} -k {dir} -c listen_addresses=127.0.0.1 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
             -c max_connections=400 >{dir}/log 2>&1 & pg=$!; \
             while [ -d /proc/{me} ]; do sleep 0.5; done; kill -INT $pg; wait $pg; rm -rf {dir}",
            postgres = bin.join("postgres").display(),
            dir = dir.display(),
            me = std::process::id(),
        );
        // Never waited for: the watcher outlives this binary on purpose, to clean up after it.
        #[allow(
            clippy::zombie_processes,
            reason = "the watcher ends after this process"
        )]
        let _watcher = as_postgres(std::path::Path::new("sh"), &["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start postgres");
        for _ in 0..300 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Server { port };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
        panic!("PostgreSQL did not start on port {port} within 30 s: {log}");
    })
}

/// The server's port.
pub fn port() -> u16 {
    server().port
}

/// A fresh, empty database on the shared server: its URL.
pub async fn fresh_database() -> String {
    use sqlx::Connection as _;
    let port = port();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let admin = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL");
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let _ = conn.close().await;
    format!("postgres://postgres@127.0.0.1:{port}/{name}")
}

/// `pg_dump` of `url`'s database, as text.
pub fn dump(url: &str) -> String {
    run_as_postgres(&bin_dir().join("pg_dump"), &[url])
}
