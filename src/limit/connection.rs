//! The limiter's Redis connection: one server through redis-rs's `ConnectionManager`, or a Redis
//! Cluster through redis-rs's async cluster connection, which sends each key to the node owning its
//! hash slot, follows `MOVED`/`ASK` and reconnects by itself. Both connect lazily (Redis may be down
//! at start-up); the rest of the limiter sends the same commands either way.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterConfig};
use redis::cluster_async::ClusterConnection;
use redis::io::tcp::TcpSettings;
use redis::{Cmd, ErrorKind, IntoConnectionInfo, Pipeline, RedisError, RedisFuture, RedisResult};
use tokio::task::JoinSet;

use crate::config::RedisTarget;

/// Attempts per command on a cluster beyond the first (a `MOVED` after a resharding, a node
/// reconnecting); the caller's timeout bounds them all.
const CLUSTER_RETRIES: u32 = 2;

/// A connection to one Redis server or to a Redis Cluster; cheap to clone (clones share it).
#[derive(Clone)]
pub(super) enum Connection {
    /// One server.
    Server(ConnectionManager),
    /// A cluster: one multiplexed connection per node, behind one handle.
    Cluster(ClusterConnection),
}

impl Connection {
    /// A lazy connection to `target`; each connect and each answer is bounded by `timeout`.
    /// Nothing is sent here.
    pub(super) fn open(target: RedisTarget, timeout: Duration) -> RedisResult<Self> {
        // Nagle off: redis-rs leaves it on, and a small command written while an earlier one's
        // answer is in flight then waits for an ACK (delayed ACK: up to 40 ms on Linux).
        let tcp = TcpSettings::default().set_nodelay(true);
        match target {
            RedisTarget::Server(url) => {
                let info = url.into_connection_info()?.set_tcp_settings(tcp);
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1)
                    .set_min_delay(Duration::from_millis(10))
                    .set_max_delay(timeout);
                let client = redis::Client::open(info)?;
                Ok(Self::Server(ConnectionManager::new_lazy_with_config(
                    client, config,
                )?))
            }
            RedisTarget::Cluster(seeds) => {
                let client = ClusterClient::builder(seeds)
                    .tcp_settings(tcp)
                    .retries(CLUSTER_RETRIES)
                    .min_retry_wait(10)
                    .max_retry_wait(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX))
                    .build()?;
                // The config's timeouts replace the builder's, so they are set here.
                let config = ClusterConfig::new()
                    .set_connection_timeout(timeout)
                    .set_response_timeout(timeout);
                Ok(Self::Cluster(
                    client.get_pending_async_connection_with_config(config),
                ))
            }
        }
    }

    /// Runs `cmds`, each touching one key, and drops their answers. On one server: one pipeline,
    /// one round trip. On a cluster a pipeline may not span hash slots, so each command goes to
    /// its own key's node, all at once.
    pub(super) async fn run_each(&self, cmds: Vec<Cmd>) -> RedisResult<()> {
        match self {
            Self::Server(conn) => {
                let mut pipe = redis::pipe();
                for cmd in cmds {
                    pipe.add_command(cmd).ignore();
                }
                pipe.query_async::<()>(&mut conn.clone()).await
            }
            Self::Cluster(conn) => {
                // Dropped on the caller's timeout, which aborts what is still running.
                let mut calls = JoinSet::new();
                for cmd in cmds {
                    let mut conn = conn.clone();
                    calls.spawn(async move { cmd.query_async::<()>(&mut conn).await });
                }
                while let Some(done) = calls.join_next().await {
                    done.map_err(|e| {
                        RedisError::from((
                            ErrorKind::Client,
                            "redis call task ended",
                            e.to_string(),
                        ))
                    })??;
                }
                Ok(())
            }
        }
    }
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, redis::Value> {
        match self {
            Self::Server(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Self::Server(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Server(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}
