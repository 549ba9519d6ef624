//! A real three-master Redis Cluster for the shared-limit tests: three `redis-server`s in cluster
//! mode on free loopback ports, joined by `redis-cli --cluster create`, killed on drop with their
//! node files. Missing binaries: the test fails saying how to install them.

use std::process::{Child, Command};
use std::time::Duration;

use crate::redis_server::{Leases, free_port, held_at, spawn_server, wait_for_ping};

/// A running cluster of three masters and no replicas.
pub struct RedisCluster {
    /// A node killed by [`RedisCluster::kill`] is `None` until restarted.
    nodes: Vec<Option<Child>>,
    ports: Vec<u16>,
    /// Cluster-bus ports, by node.
    buses: Vec<u16>,
    dir: std::path::PathBuf,
}

impl RedisCluster {
    /// Starts the nodes, creates the cluster and waits (bounded) until every node says
    /// `cluster_state:ok`.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("eg-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for the node files");
        let mut cluster = Self {
            nodes: Vec::new(),
            ports: Vec::new(),
            buses: Vec::new(),
            dir,
        };
        // Six distinct ports: a client port and a bus port per node.
        let mut ports: Vec<u16> = Vec::new();
        for _ in 0..100 {
            let port = free_port();
            if !ports.contains(&port) {
                ports.push(port);
            }
            if ports.len() == 6 {
                break;
            }
        }
        assert_eq!(ports.len(), 6, "six free loopback ports");
        for pair in ports.chunks(2) {
            cluster.ports.push(pair[0]);
            cluster.buses.push(pair[1]);
            cluster.nodes.push(None);
        }
        for node in 0..3 {
            cluster.spawn(node);
        }
        for url in cluster.node_urls() {
            wait_for_ping(&url).await;
        }
        let mut create = Command::new("redis-cli");
        create.args(["--cluster", "create"]);
        create.args(cluster.ports.iter().map(|p| format!("127.0.0.1:{p}")));
        create.args(["--cluster-replicas", "0", "--cluster-yes"]);
        let out = tokio::task::spawn_blocking(move || create.output())
            .await
            .expect("redis-cli ran")
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run redis-cli ({e}); install it with `apt-get install -y redis-server`"
                )
            });
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        cluster.wait_ok().await;
        cluster
    }

    /// Starts node `node` (again) with its ports and node file, so it rejoins as it was.
    fn spawn(&mut self, node: usize) {
        let conf = self.dir.join(format!("nodes-{}.conf", self.ports[node]));
        self.nodes[node] = Some(spawn_server(
            self.ports[node],
            &[
                "--cluster-enabled",
                "yes",
                // The bus port is given, not port + 10000, which may be taken or past 65535.
                "--cluster-port",
                &self.buses[node].to_string(),
                "--cluster-config-file",
                conf.to_str().expect("a UTF-8 temporary path"),
                "--cluster-node-timeout",
                "2000",
                "--dir",
                self.dir.to_str().expect("a UTF-8 temporary path"),
            ],
        ));
    }

    /// Kills (SIGKILL) the node at `url`, as returned by [`RedisCluster::owner`].
    pub fn kill(&mut self, url: &str) {
        let node = self.node(url);
        if let Some(mut child) = self.nodes[node].take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Restarts the node at `url` (empty: no persistence) and waits (bounded) until the cluster
    /// is whole again.
    pub async fn restart(&mut self, url: &str) {
        let node = self.node(url);
        self.spawn(node);
        wait_for_ping(url).await;
        self.wait_ok().await;
    }

    fn node(&self, url: &str) -> usize {
        self.node_urls()
            .iter()
            .position(|u| u == url)
            .expect("a node of this cluster")
    }

    /// `redis+cluster://` with every node as a seed.
    pub fn url(&self) -> String {
        let seeds: Vec<_> = self
            .ports
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        format!("redis+cluster://{}/", seeds.join(","))
    }

    fn node_urls(&self) -> Vec<String> {
        self.ports
            .iter()
            .map(|p| format!("redis://127.0.0.1:{p}/"))
            .collect()
    }

    async fn wait_ok(&self) {
        for url in self.node_urls() {
            let mut conn = connect(&url).await;
            let mut last = String::new();
            for _ in 0..500 {
                last = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query_async(&mut conn)
                    .await
                    .expect("CLUSTER INFO");
                if last.contains("cluster_state:ok") {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            assert!(last.contains("cluster_state:ok"), "{url}: {last}");
        }
    }

    /// `CLUSTER KEYSLOT key`.
    pub async fn keyslot(&self, key: &str) -> u16 {
        let mut conn = connect(&self.node_urls()[0]).await;
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("CLUSTER KEYSLOT")
    }

    /// The URL of the node that owns `key`: the one node that answers for it instead of
    /// redirecting with `MOVED`.
    pub async fn owner(&self, key: &str) -> String {
        let mut owners = Vec::new();
        for url in self.node_urls() {
            let mut conn = connect(&url).await;
            let answer: redis::RedisResult<u64> =
                redis::cmd("ZCARD").arg(key).query_async(&mut conn).await;
            if answer.is_ok() {
                owners.push(url);
            }
        }
        assert_eq!(owners.len(), 1, "{key} is owned by exactly one node");
        owners.remove(0)
    }
}

/// A connection to one node (not a cluster connection: it sees `MOVED` as an error).
async fn connect(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("node URL")
        .get_multiplexed_async_connection()
        .await
        .expect("connect to a cluster node")
}

/// Read on the node that owns the set.
impl Leases for RedisCluster {
    async fn held(&self, key: &str) -> u64 {
        held_at(&self.owner(key).await, key).await
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for mut node in self.nodes.iter_mut().filter_map(Option::take) {
            let _ = node.kill();
            let _ = node.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
