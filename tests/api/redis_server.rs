//! A real `redis-server` for the shared-limit tests: started on a free loopback port without
//! persistence, stopped (killed) on drop. Missing binary: the test fails saying how to install it.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `redis-server`.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
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
        self.child = Some(spawn_server(self.port, &[]));
        wait_for_ping(&self.url()).await;
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
