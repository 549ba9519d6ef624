//! What the limiter benchmarks need beyond `support`: a `redis-server` on a free loopback port,
//! its `INFO commandstats`, CPU affinity (`taskset`) and a process's CPU time.
#![allow(dead_code)] // each bench uses its own part
#![allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)] // a bench fails loudly

use std::process::{Child, Command, Stdio};

/// A `redis-server` without persistence on a free loopback port, killed on drop.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts it; fails saying how to install it when it is missing.
    pub fn start() -> Self {
        let port = super::support::free_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("redis-server: {e} (apt-get install -y redis-server)"));
        // Owned (so killed and reaped) from here on.
        let server = Self { child, port };
        super::support::wait_listening(port);
        server
    }

    /// `redis://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Its process ID.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("redis-cli: {e} (apt-get install -y redis-tools)"));
        assert!(out.status.success(), "redis-cli {args:?} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Zeroes `INFO commandstats`.
    pub fn reset_stats(&self) {
        self.cli(&["CONFIG", "RESETSTAT"]);
    }

    /// `(command, calls, µs per call)` since the last reset, busiest first; the probes of
    /// `redis-cli` itself left out.
    pub fn command_stats(&self) -> Vec<(String, u64, f64)> {
        let text = self.cli(&["INFO", "commandstats"]);
        let mut rows: Vec<(String, u64, f64)> = text
            .lines()
            .filter_map(|l| {
                let (name, fields) = l.trim().strip_prefix("cmdstat_")?.split_once(':')?;
                let field = |key: &str| {
                    fields
                        .split(',')
                        .find_map(|f| f.strip_prefix(key)?.strip_prefix('='))
                };
                Some((
                    name.to_owned(),
                    field("calls")?.parse().ok()?,
                    field("usec_per_call")?.parse().ok()?,
                ))
            })
            .filter(|(name, _, _)| !matches!(name.as_str(), "config" | "info" | "command"))
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        rows
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sets the CPU affinity of every thread of `pid` (`taskset -a -p -c <cpus>`); threads and
/// children started later inherit it.
pub fn pin(pid: u32, cpus: &str) {
    let ok = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "taskset -a -p -c {cpus} {pid} failed (util-linux)");
}
