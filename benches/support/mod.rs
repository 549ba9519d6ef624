//! What the process-level benchmarks share: the gateway binary as a child process, a free port, a
//! minimal blocking HTTP client (no client library's cost in the figures), and `wrk`.
#![allow(dead_code)] // each bench uses its own part
#![allow(clippy::indexing_slicing, clippy::panic, clippy::map_unwrap_or)] // a bench fails loudly

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Stedi's raw-X12 path.
pub const RAW_PATH: &str = "/change/medicalnetwork/eligibility/v3/raw-x12";
/// The embedded demo account's key.
pub const KEY: &str = "sandbox-api-key";
/// Change's documented 270 (a sandbox member), the request every load benchmark sends.
pub const X12: &str = "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *260101*1200*^*00501*000000001*0*T*:~GS*HS*SUBMITTER*RECEIVER*20260101*1200*1*X*005010X279A1~ST*270*0001*005010X279A1~BHT*0022*13*10001234*20260101*1200~HL*1**20*1~NM1*PR*2*ACME HEALTH PLAN*****PI*842610001~HL*2*1*21*1~NM1*1P*2*BONE AND JOINT CLINIC*****XX*1234567893~HL*3*2*22*0~TRN*1*93175-012547*9877281234~NM1*IL*1*DOEONE*JOHNONE****MI*0000000001~DMG*D8*18800102*M~DTP*291*D8*20260101~EQ*30~SE*13*0001~GE*1*1~IEA*1*000000001~";

/// `{"x12": X12}`.
pub fn request_body() -> String {
    serde_json::json!({ "x12": X12 }).to_string()
}

/// A number from the environment, or `default`.
pub fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A loopback port nobody listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (bounded) until something accepts connections on `port`.
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The release gateway binary on a free loopback port, killed on drop.
pub struct Gateway {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl Gateway {
    /// Starts the gateway on its embedded defaults plus `env` (`GATEWAY__…` overrides), logging
    /// errors only.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_eligibility-gateway"));
        cmd.env("GATEWAY__SERVER__PORT", port.to_string())
            .env("GATEWAY__LOG__LEVEL", "error")
            .env_remove("RUST_LOG")
            .stdout(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap();
        wait_listening(port);
        Self { child, port }
    }

    /// The process ID (for /proc readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bytes of one HTTP/1.1 POST of `body` to `path`.
pub fn request_bytes(path: &str, body: &str, key: Option<&str>) -> Vec<u8> {
    let auth = key.map_or(String::new(), |k| format!("Authorization: {k}\r\n"));
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// POSTs `body` once, on its own connection; the status and the body bytes.
pub fn post_json(port: u16, path: &str, body: &str, key: Option<&str>) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut req = request_bytes(path, body, key);
    // Close after the answer, so reading to the end reads exactly one response.
    let at = req.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    req.splice(at + 2..at + 2, b"Connection: close\r\n".iter().copied());
    s.write_all(&req).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let head_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    (status, raw[head_end + 4..].to_vec())
}

/// A wrk Lua script that POSTs `body`.
pub fn wrk_script(body: &str, key: Option<&str>) -> String {
    let mut s = format!(
        "wrk.method = \"POST\"\nwrk.body = [==[{body}]==]\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
    );
    if let Some(k) = key {
        s.push_str(&format!("wrk.headers[\"Authorization\"] = \"{k}\"\n"));
    }
    s
}

/// [`X12`] with its control numbers, trace number, member name and date of birth made the
/// `i`th of a deterministic sequence: requests that differ where real ones do (the store keeps
/// each, and records alike compress better than real traffic would).
pub fn varied_x12(i: u64) -> String {
    const FIRST: [&str; 4] = ["JOHNONE", "JOHNTWO", "JANEONE", "JANETWO"];
    const LAST: [&str; 2] = ["DOEONE", "DOETWO"];
    // A fixed LCG (Knuth's MMIX constants): the same sequence every run.
    let r = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    let control = format!("{:09}", r % 1_000_000_000);
    let trace = format!("{:010}", (r >> 20) % 10_000_000_000);
    let birth = format!(
        "19{:02}{:02}{:02}",
        30 + (r >> 8) % 70,
        1 + (r >> 16) % 12,
        1 + (r >> 24) % 28
    );
    X12.replacen("000000001*0*T", &format!("{control}*0*T"), 1)
        .replace("IEA*1*000000001~", &format!("IEA*1*{control}~"))
        .replace("93175-012547", &trace)
        .replace("BHT*0022*13*10001234", &format!("BHT*0022*13*{trace}"))
        .replace(
            "DOEONE*JOHNONE",
            &format!(
                "{}*{}",
                LAST[usize::try_from((r >> 32) % 2).unwrap()],
                FIRST[usize::try_from((r >> 33) % 4).unwrap()]
            ),
        )
        .replace("D8*18800102", &format!("D8*{birth}"))
}

/// A wrk Lua script that POSTs `n` different raw-X12 bodies ([`varied_x12`]) in turn, each
/// formatted once at start-up so wrk's own cost per request stays that of one body.
pub fn wrk_script_varied(n: u64, key: &str) -> String {
    let mut s = String::from("local bodies = {\n");
    for i in 0..n {
        let body = serde_json::json!({ "x12": varied_x12(i) }).to_string();
        s.push_str(&format!("[==[{body}]==],\n"));
    }
    s.push_str(&format!(
        "}}\nlocal requests = {{}}\nlocal at = 0\ninit = function(args)\n  \
         local headers = {{[\"Content-Type\"] = \"application/json\", \
         [\"Authorization\"] = \"{key}\"}}\n  \
         for i, b in ipairs(bodies) do requests[i] = wrk.format(\"POST\", nil, headers, b) end\n\
         end\nrequest = function()\n  at = at % #requests + 1\n  return requests[at]\nend\n"
    ));
    s
}

/// What one wrk run measured.
#[derive(Debug, Clone)]
pub struct WrkRun {
    /// Requests per second.
    pub rps: f64,
    /// Median latency as wrk prints it.
    pub p50: String,
    /// 99th percentile latency as wrk prints it.
    pub p99: String,
}

/// Runs wrk against `url` and reads its summary; fails on any non-2xx answer or socket error.
pub fn wrk(url: &str, script: &Path, threads: usize, connections: usize, seconds: usize) -> WrkRun {
    let out = Command::new("wrk")
        .args([
            &format!("-t{threads}"),
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "wrk failed: {text}");
    assert!(
        !text.contains("Non-2xx") && !text.contains("Socket errors"),
        "wrk saw errors against {url}:\n{text}"
    );
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("no `{prefix}` in wrk's output:\n{text}"))
    };
    WrkRun {
        rps: field("Requests/sec:").parse().unwrap(),
        p50: field("50%"),
        p99: field("99%"),
    }
}

/// `VmRSS` and `VmHWM` (peak) of a process, in KiB.
pub fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let read = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (read("VmRSS:"), read("VmHWM:"))
}

/// User + system CPU time of `pid` so far, in clock ticks (`/proc/<pid>/stat` fields 14 and 15).
pub fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    stat_fields(&stat).1
}

/// A `/proc/<pid>/stat` line's parent pid and user + system ticks. The command name may hold
/// spaces: fields count from after its closing parenthesis.
fn stat_fields(stat: &str) -> (u32, u64) {
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    let n = |i: usize| fields[i].parse::<u64>().unwrap();
    (u32::try_from(n(1)).unwrap(), n(11) + n(12))
}

/// User + system CPU time of `pid` and of its children alive now, in clock ticks: a PostgreSQL
/// postmaster with its backends and helpers.
pub fn cpu_ticks_with_children(pid: u32) -> u64 {
    let children: u64 = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        // A process may exit between the listing and the reading: it is then not counted.
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .map(|s| stat_fields(&s))
        .filter(|&(parent, _)| parent == pid)
        .map(|(_, ticks)| ticks)
        .sum();
    cpu_ticks(pid) + children
}
