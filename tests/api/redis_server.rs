//! A real `redis-server` for the shared-limit tests: started on a free loopback port without
//! persistence, stopped (killed) on drop. Missing binary: the test fails saying how to install it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

/// A loopback port free right now, handed out once per test run and below the kernel's
/// ephemeral range. A server a test stops and restarts on its port (Redis, a replica) would
/// otherwise lose the port to any listener bound to port 0 meanwhile (an app under test, a fake
/// payer, another test's Redis), and the "restarted" server answering there would be another's.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    const SPAN: u32 = 10_000;
    let ephemeral_start = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32_768);
    let Some(low) = ephemeral_start.checked_sub(SPAN).filter(|l| *l >= 1_024) else {
        return ephemeral_port();
    };
    // Test binaries running at once start at different places.
    let offset = std::process::id() % 50 * 200;
    for _ in 0..SPAN {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let Ok(port) = u16::try_from(low + (offset + n) % SPAN) else {
            continue;
        };
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    ephemeral_port()
}

fn ephemeral_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl RedisServer {
    /// Starts one on a free port and waits (bounded) until it answers.
    pub async fn start() -> Self {
        let mut server = Self {
            child: None,
            port: free_port(),
        };
        server.restart().await;
        server
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// (Re)starts it on the same port, empty.
    pub async fn restart(&mut self) {
        self.stop();
        let child = spawn_server(self.port, &[]);
        let pid = child.id();
        self.child = Some(child);
        wait_for_ping(&self.url()).await;
        assert_eq!(
            process_id(&self.url()).await,
            Some(pid),
            "the server answering on port {} is not the one just started",
            self.port
        );
    }

    /// Kills it (SIGKILL) and reaps it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes it (SIGSTOP): connections stay open and nothing answers.
    pub fn freeze(&self, frozen: bool) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }
}

/// A Redis that can say how many live leases a set holds: one server, or a cluster.
pub trait Leases {
    /// Leases held now in the set `key` (ended ones not counted).
    async fn held(&self, key: &str) -> u64;
}

impl Leases for RedisServer {
    async fn held(&self, key: &str) -> u64 {
        held_at(&self.url(), key).await
    }
}

/// Starts `redis-server` on `port` (loopback, no persistence) with `extra` arguments.
pub fn spawn_server(port: u16, extra: &[&str]) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string()])
        .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start redis-server ({e}); install it with `apt-get install -y redis-server`"
            )
        })
}

/// Waits (bounded) until the server at `url` answers PING.
pub async fn wait_for_ping(url: &str) {
    for _ in 0..500 {
        if ping(url).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("redis-server at {url} never answered PING");
}

/// The process id the server at `url` reports (`INFO server`).
async fn process_id(url: &str) -> Option<u32> {
    let client = redis::Client::open(url).ok()?;
    let mut conn = client.get_multiplexed_async_connection().await.ok()?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query_async(&mut conn)
        .await
        .ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("process_id:"))
        .and_then(|p| p.trim().parse().ok())
}

/// Whether the server at `url` answers PING.
async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .ok()
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), attempt).await,
        Ok(Some(_))
    )
}

/// Leases held now in the set `key` of the server at `url` (ended ones not counted).
pub async fn held_at(url: &str, key: &str) -> u64 {
    let client = redis::Client::open(url).expect("redis URL");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("connect to the test redis");
    let now: (u64, u64) = redis::cmd("TIME")
        .query_async(&mut conn)
        .await
        .expect("TIME");
    let now_ms = now.0 * 1000 + now.1 / 1000;
    redis::cmd("ZCOUNT")
        .arg(key)
        .arg(now_ms + 1)
        .arg("+inf")
        .query_async(&mut conn)
        .await
        .expect("ZCOUNT")
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
