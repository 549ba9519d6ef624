//! Failed-authentication throttling per client address (`auth.failures_per_minute`), with
//! `governor`'s GCRA: past the quota every request from the address gets 429 with `Retry-After`,
//! checked before the credential, so a guess cannot be tested while throttled. The log keeps the
//! first failure per address per minute; the rest are counted into one summary line.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::DefaultClock;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;

use super::error::ApiError;
use super::layers::Quiet;
use super::metrics::Metrics;

/// The log window: one line, then one summary, per address per window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Failed authentications by client address.
#[derive(Debug)]
pub struct FailedAuth {
    /// Reports the burst left after each failure, so the last allowed one throttles at once.
    limiter: RateLimiter<
        IpAddr,
        DefaultKeyedStateStore<IpAddr>,
        DefaultClock,
        StateInformationMiddleware,
    >,
    windows: Mutex<HashMap<IpAddr, Window>>,
    trusted: Vec<IpNet>,
}

#[derive(Debug)]
struct Window {
    started: Instant,
    /// Failures and throttled requests not logged since `started`.
    unlogged: u64,
    blocked_until: Option<Instant>,
}

impl FailedAuth {
    /// `per_minute` failures per address (at least 1), `X-Forwarded-For` believed from `trusted`.
    pub fn new(per_minute: u32, trusted: &[String]) -> Self {
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN));
        Self {
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            windows: Mutex::default(),
            // Checked when the settings loaded; a bare address is a /32 or /128.
            trusted: trusted
                .iter()
                .filter_map(|t| {
                    t.parse::<IpNet>()
                        .ok()
                        .or_else(|| t.parse::<IpAddr>().ok().map(IpNet::from))
                })
                .collect(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(&ip))
    }

    /// The client: the socket peer, or, when the peer is a trusted proxy, the nearest address in
    /// `X-Forwarded-For` that is not one.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.is_trusted(peer) {
            return peer;
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.is_trusted(ip) => {}
                Ok(ip) => return ip,
                // An unreadable hop: nothing further left can be believed.
                Err(_) => return peer,
            }
        }
        peer
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, Window>> {
        self.windows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How long `ip` is still throttled, if it is.
    pub fn blocked(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let windows = self.windows();
        let until = windows.get(&ip)?.blocked_until?;
        until.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    /// Counts one failure of `ip`; when that used up the quota, it is throttled until the next
    /// failure would conform.
    pub fn failed(&self, ip: IpAddr, now: Instant) {
        let until = match self.limiter.check_key(&ip) {
            Ok(state) if state.remaining_burst_capacity() > 0 => None,
            Ok(state) => Some(now + state.quota().replenish_interval()),
            Err(not_until) => Some(not_until.earliest_possible()),
        };
        if let Some(until) = until {
            let mut windows = self.windows();
            let w = window(&mut windows, ip, now);
            if w.blocked_until.is_none_or(|b| b <= now) {
                tracing::warn!(client = %ip, "failed authentication: throttling this address");
            }
            w.blocked_until = Some(until.max(now));
        }
    }

    /// Whether this failure or throttled request gets its own log line (the first per address
    /// per window does; the rest are counted for the summary).
    pub fn log_this(&self, ip: IpAddr, now: Instant) -> bool {
        let mut windows = self.windows();
        if let Some(w) = windows.get_mut(&ip)
            && now.duration_since(w.started) < WINDOW
        {
            w.unlogged += 1;
            return false;
        }
        if let Some(old) = windows.remove(&ip) {
            summary(ip, old.unlogged);
            windows.insert(
                ip,
                Window {
                    started: now,
                    unlogged: 0,
                    blocked_until: old.blocked_until,
                },
            );
        } else {
            window(&mut windows, ip, now);
        }
        true
    }

    /// Logs the summary of every window that has ended and forgets addresses no longer
    /// throttled; returns the summaries written. Run once per window.
    pub fn sweep(&self, now: Instant) -> Vec<(IpAddr, u64)> {
        let mut written = Vec::new();
        self.windows().retain(|ip, w| {
            if now.duration_since(w.started) < WINDOW {
                return true;
            }
            if w.unlogged > 0 {
                summary(*ip, w.unlogged);
                written.push((*ip, w.unlogged));
            }
            w.started = now;
            w.unlogged = 0;
            w.blocked_until.is_some_and(|b| b > now)
        });
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        written
    }
}

fn window(windows: &mut HashMap<IpAddr, Window>, ip: IpAddr, now: Instant) -> &mut Window {
    windows.entry(ip).or_insert(Window {
        started: now,
        unlogged: 0,
        blocked_until: None,
    })
}

fn summary(ip: IpAddr, unlogged: u64) {
    if unlogged > 0 {
        tracing::warn!(
            client = %ip,
            count = unlogged,
            "failed authentication: more failed or throttled requests from this address in the last minute"
        );
    }
}

/// The middleware, on every route that takes a credential.
pub async fn guard(
    failures: Arc<FailedAuth>,
    metrics: Arc<Metrics>,
    req: Request,
    next: Next,
) -> Response {
    let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return next.run(req).await;
    };
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let ip = failures.client(peer, &forwarded);
    let now = Instant::now();
    let mut res = if let Some(retry_after) = failures.blocked(ip, now) {
        metrics.auth_throttled();
        ApiError::AuthThrottled { retry_after }.into_response()
    } else {
        let res = next.run(req).await;
        if res.status() != StatusCode::UNAUTHORIZED {
            return res;
        }
        failures.failed(ip, now);
        res
    };
    if !failures.log_this(ip, now) {
        res.extensions_mut().insert(Quiet);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn past_the_quota_the_address_is_blocked_and_others_are_not() {
        let f = FailedAuth::new(3, &[]);
        let now = Instant::now();
        for _ in 0..2 {
            f.failed(ip("192.0.2.1"), now);
            assert_eq!(f.blocked(ip("192.0.2.1"), now), None);
        }
        f.failed(ip("192.0.2.1"), now);
        let wait = f.blocked(ip("192.0.2.1"), now).unwrap();
        assert!(wait > Duration::ZERO && wait <= WINDOW, "{wait:?}");
        assert_eq!(f.blocked(ip("192.0.2.2"), now), None);
        assert_eq!(f.blocked(ip("192.0.2.1"), now + WINDOW), None);
    }

    #[test]
    fn one_line_then_a_summary_per_window() {
        let f = FailedAuth::new(30, &[]);
        let now = Instant::now();
        let a = ip("2001:db8::1");
        assert!(f.log_this(a, now));
        assert!((0..199).all(|_| !f.log_this(a, now)));
        assert!(
            f.log_this(ip("192.0.2.9"), now),
            "another address has its own window"
        );
        assert_eq!(f.sweep(now), []);
        assert_eq!(f.sweep(now + WINDOW), [(a, 199)]);
        assert_eq!(f.sweep(now + WINDOW * 2), []);
        assert!(f.windows().is_empty(), "nothing throttled is kept");
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let f = FailedAuth::new(30, &["10.0.0.0/8".into(), "192.168.1.7".into()]);
        let lb = ip("10.1.2.3");
        assert_eq!(f.client(lb, &["203.0.113.5"]), ip("203.0.113.5"));
        assert_eq!(
            f.client(lb, &["198.51.100.1, 203.0.113.5, 192.168.1.7"]),
            ip("203.0.113.5"),
            "the nearest untrusted hop; what the client wrote further left is not believed"
        );
        assert_eq!(
            f.client(lb, &["203.0.113.5", "10.9.9.9"]),
            ip("203.0.113.5")
        );
        assert_eq!(f.client(lb, &["not-an-ip"]), lb);
        assert_eq!(f.client(lb, &[]), lb);
        let direct = ip("203.0.113.77");
        assert_eq!(f.client(direct, &["198.51.100.1"]), direct);
    }
}
