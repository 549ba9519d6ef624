//! `spawn_app`: the real server from the embedded defaults on 127.0.0.1:0, and a client for it.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use eligibility_gateway::app::App;
use eligibility_gateway::config::Settings;
use eligibility_gateway::http::AppState;
use reqwest::StatusCode;
use serde_json::Value;

/// The demo account's key in the embedded defaults.
pub const DEMO_KEY: &str = "sandbox-api-key";
/// Stedi's path.
pub const RAW: &str = "/change/medicalnetwork/eligibility/v3/raw-x12";
/// Change's own path.
pub const RAW_BARE: &str = "/medicalnetwork/eligibility/v3/raw-x12";

/// The demo account's OAuth client in the embedded defaults.
pub const DEMO_CLIENT: (&str, &str) = ("sandbox-client", "sandbox-secret");
/// Change's token path.
pub const TOKEN: &str = "/apip/auth/v2/token";

/// Public fixtures (byte-exact copies, see tests/fixtures/x12/SOURCES.md).
pub const SUBSCRIBER_270: &str =
    include_str!("../fixtures/x12/irobayna-stupidedi/270-X279A1-request-subscriber.edi");
/// A dependent inquiry.
pub const DEPENDENT_270: &str =
    include_str!("../fixtures/x12/irobayna-stupidedi/270-X279A1-request-dependent.edi");

/// The stupidedi subscriber 270 with another payer ID, member ID and name, and the standard
/// repetition separator `^` in place of its `>` (so no repair is needed).
pub fn inquiry(payer: &str, member: &str, last: &str, first: &str) -> String {
    SUBSCRIBER_270
        .replacen("*>*00501*", "*^*00501*", 1)
        .replace("PI*842610001", &format!("PI*{payer}"))
        .replace("MI*11122333301", &format!("MI*{member}"))
        .replace("SMITH*ROBERT", &format!("{last}*{first}"))
}

/// A sandbox member's inquiry.
pub fn member_inquiry() -> String {
    inquiry("842610001", "0000000001", "DOEONE", "JOHNONE")
}

/// Log lines of every app in this test binary (installed once; JSON, as in production).
pub fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    Arc::clone(LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&buf);
        let make = move || LogWriter(Arc::clone(&writer));
        let filter = tracing_subscriber::EnvFilter::new("info,eligibility_gateway=trace");
        eligibility_gateway::telemetry::install(filter, true, make).expect("first subscriber");
        buf
    }))
}

/// Appends to the shared buffer.
pub struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged so far by any app in this binary.
pub fn logs_text() -> String {
    String::from_utf8_lossy(&captured_logs().lock().expect("log buffer")).into_owned()
}

/// Asserts none of `secrets` appears in the captured logs, and that the logs are being written at
/// all (`request_id` is there), so the check can fail.
pub fn assert_not_logged(request_id: &str, secrets: &[&str]) {
    let text = logs_text();
    assert!(text.contains(request_id), "request {request_id} was logged");
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!text.contains(s), "a credential leaked into the logs");
    }
}

/// A secret in a temporary file, removed on drop (secrets for connectors and the signing key come
/// from files in tests, never from the process environment). The gateway reads it at start-up, so
/// it only has to outlive `spawn_app`.
pub struct SecretFile(std::path::PathBuf);

impl SecretFile {
    /// The path, as configuration holds it.
    pub fn path(&self) -> String {
        self.0.to_str().expect("UTF-8 temp path").to_owned()
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `contents` to a fresh file under the temp directory.
pub fn secret_file(contents: &str) -> SecretFile {
    let path = std::env::temp_dir().join(format!("eg-test-secret-{}", uuid::Uuid::new_v4()));
    std::fs::write(&path, contents).expect("write a secret file");
    SecretFile(path)
}

/// A request ID from a response.
pub fn request_id(res: &reqwest::Response) -> String {
    res.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// A running gateway.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Shared state, to watch the limiter.
    pub state: Arc<AppState>,
    /// `http://127.0.0.1:<port>` of the separate metrics listener, when `metrics.listen` is set.
    pub metrics_base: Option<String>,
    client: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
    /// This test's own directory (its SQLite store), removed on drop.
    pub data: TempDir,
}

/// A directory under the temp directory, removed on drop.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// A fresh, empty one.
    pub fn new() -> Self {
        let d = std::env::temp_dir().join(format!("eg-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).expect("create a temp dir");
        Self(d)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Starts the gateway from the embedded defaults changed by `tweak`, on a random loopback port.
pub async fn spawn_app(tweak: impl FnOnce(&mut Settings)) -> TestApp {
    captured_logs();
    let mut settings = Settings::defaults().expect("embedded defaults load");
    settings.server.host = "127.0.0.1".into();
    settings.server.port = 0;
    // A fresh database per test.
    let data = TempDir::new();
    settings.store.url = format!("sqlite://{}/gateway.db", data.0.display());
    tweak(&mut settings);
    let app = App::build(&settings).await.expect("bind 127.0.0.1:0");
    let base = format!("http://{}", app.local_addr());
    let state = app.state();
    let metrics_base = app.metrics_addr().map(|a| format!("http://{a}"));
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    TestApp {
        base,
        state,
        metrics_base,
        client,
        _stop: tx,
        data,
    }
}

impl TestApp {
    /// The HTTP client the helpers use.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// A request builder for `path`.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.client.post(format!("{}{path}", self.base))
    }

    /// A GET.
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// POSTs `{"x12": x12}` to `path` with `auth` as the Authorization header.
    pub async fn raw_x12_with(
        &self,
        path: &str,
        auth: Option<&str>,
        x12: &str,
    ) -> (StatusCode, Value) {
        let mut req = self.post(path).json(&serde_json::json!({ "x12": x12 }));
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        let res = req.send().await.expect("POST raw-x12");
        let status = res.status();
        let body = res.json().await.unwrap_or(Value::Null);
        // Every raw-x12 answer any test gets is checked against the served OpenAPI document.
        if !body.is_null() {
            crate::openapi::check_served(path, status, &body);
        }
        (status, body)
    }

    /// POSTs `{"x12": x12}` and returns the request ID too.
    pub async fn raw_x12_traced(&self, auth: &str, x12: &str) -> (StatusCode, Value, String) {
        let res = self
            .post(RAW)
            .header("Authorization", auth)
            .json(&serde_json::json!({ "x12": x12 }))
            .send()
            .await
            .expect("POST raw-x12");
        let (status, id) = (res.status(), request_id(&res));
        let body = res.json().await.unwrap_or(Value::Null);
        if !body.is_null() {
            crate::openapi::check_served(RAW, status, &body);
        }
        (status, body, id)
    }

    /// POSTs a form to the token endpoint.
    pub async fn token_form(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.post(TOKEN)
            .form(form)
            .send()
            .await
            .expect("POST token")
    }

    /// The demo client's token request, answered.
    pub async fn demo_token_response(&self) -> reqwest::Response {
        self.token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", DEMO_CLIENT.0),
            ("client_secret", DEMO_CLIENT.1),
        ])
        .await
    }

    /// A bearer token for the demo account's client.
    pub async fn demo_token(&self) -> String {
        let res = self.demo_token_response().await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.expect("token JSON");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// POSTs a 270 with the demo key to the Stedi path.
    pub async fn raw_x12(&self, x12: &str) -> (StatusCode, Value) {
        self.raw_x12_with(RAW, Some(DEMO_KEY), x12).await
    }

    /// Free slots of the demo account.
    pub fn free_slots(&self) -> usize {
        self.state.limiter.available("demo")
    }

    /// Waits (bounded) until the demo account has `n` free slots.
    pub async fn wait_for_free_slots(&self, n: usize) {
        for _ in 0..1000 {
            if self.free_slots() == n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "demo account never reached {n} free slots (has {})",
            self.free_slots()
        );
    }
}

/// The document every gateway serves at `/openapi.json` (the same bytes for any settings).
pub fn served_document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(eligibility_gateway::http::openapi::value)
}

/// A raw TCP connection to `app` (for what a well-behaved client would never send).
pub async fn raw_connect(app: &TestApp) -> tokio::net::TcpStream {
    let addr = app.base.trim_start_matches("http://");
    tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect to the gateway")
}

/// Connects, sends `bytes` and reads until the server closes the connection.
pub async fn exchange(app: &TestApp, bytes: &[u8]) -> String {
    use tokio::io::AsyncWriteExt as _;
    let mut s = raw_connect(app).await;
    // A refused write (the server already answered and closed) still leaves its answer to read.
    let _ = s.write_all(bytes).await;
    read_until_closed(&mut s).await
}

/// Reads until the server closes the connection (guarded against a hang) and returns the bytes.
pub async fn read_until_closed(stream: &mut tokio::net::TcpStream) -> String {
    use tokio::io::AsyncReadExt as _;
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

/// Log lines (as JSON) that mention `needle`.
pub fn log_lines_with(needle: &str) -> Vec<Value> {
    logs_text()
        .lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}
