//! Failed-authentication throttling per client address (`auth.failures_per_minute`): no more
//! than N failures are tested per address in any 60 s window (a sliding window over the times of
//! the last N failures). Past that, every request from the address gets 429 with `Retry-After`
//! until the oldest of them is a minute old, checked before the credential, so a guess cannot be
//! tested while throttled. The log has, per address per minute, the first failure, one line when
//! throttling starts, and one summary counting the rest.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ipnet::IpNet;

use super::error::ApiError;
use super::layers::Quiet;
use super::metrics::Metrics;

/// The throttling window, and the log window: per address, the first line, one line when
/// throttling starts and one summary per window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Failed authentications by client address.
#[derive(Debug)]
pub struct FailedAuth {
    /// Failures tested per address in any window.
    per_window: usize,
    windows: Mutex<HashMap<IpAddr, Window>>,
    trusted: Vec<IpNet>,
}

#[derive(Debug)]
struct Window {
    /// When the current log window started.
    started: Instant,
    /// Failures and throttled requests not logged since `started`.
    unlogged: u64,
    /// The first line of this log window was written.
    first_logged: bool,
    /// The "throttling" line of this log window was written.
    throttle_logged: bool,
    /// When the failures of the last `WINDOW` happened, oldest first (at most `per_window`).
    failures: VecDeque<Instant>,
}

impl Window {
    fn new(now: Instant) -> Self {
        Self {
            started: now,
            unlogged: 0,
            first_logged: false,
            throttle_logged: false,
            failures: VecDeque::new(),
        }
    }

    /// Ends the log window when it is over (writing its summary; returns the count summarised)
    /// and forgets failures older than `WINDOW`.
    fn roll(&mut self, ip: IpAddr, now: Instant) -> Option<u64> {
        while self
            .failures
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            self.failures.pop_front();
        }
        if now.saturating_duration_since(self.started) < WINDOW {
            return None;
        }
        let unlogged = std::mem::take(&mut self.unlogged);
        self.started = now;
        self.first_logged = false;
        self.throttle_logged = false;
        summary(ip, unlogged);
        (unlogged > 0).then_some(unlogged)
    }

    /// Until when the address is throttled: while the window holds `per_window` failures, until
    /// the oldest of them is `WINDOW` old.
    fn blocked_until(&self, per_window: usize) -> Option<Instant> {
        if self.failures.len() < per_window {
            return None;
        }
        self.failures.front().map(|t| *t + WINDOW)
    }
}

impl FailedAuth {
    /// `per_minute` failures per address (at least 1), `X-Forwarded-For` believed from `trusted`.
    pub fn new(per_minute: u32, trusted: &[String]) -> Self {
        Self {
            per_window: usize::try_from(per_minute.max(1)).unwrap_or(usize::MAX),
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
        let until = windows.get(&ip)?.blocked_until(self.per_window)?;
        until.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    /// Counts one failure of `ip` (one guess tested). Returns true when it used up the quota
    /// and this is the first time in the log window (the "throttling" line was written).
    pub fn failed(&self, ip: IpAddr, now: Instant) -> bool {
        let mut windows = self.windows();
        let w = windows.entry(ip).or_insert_with(|| Window::new(now));
        w.roll(ip, now);
        w.failures.push_back(now);
        while w.failures.len() > self.per_window {
            w.failures.pop_front();
        }
        if w.blocked_until(self.per_window).is_none() || w.throttle_logged {
            return false;
        }
        w.throttle_logged = true;
        tracing::warn!(client = %ip, "failed authentication: throttling this address");
        true
    }

    /// Whether this failure or throttled request gets its own log line (the first per address
    /// per window does; the rest are counted for the summary).
    pub fn log_this(&self, ip: IpAddr, now: Instant) -> bool {
        let mut windows = self.windows();
        let w = windows.entry(ip).or_insert_with(|| Window::new(now));
        w.roll(ip, now);
        if w.first_logged {
            w.unlogged += 1;
            return false;
        }
        w.first_logged = true;
        true
    }

    /// Logs the summary of every log window that has ended and forgets addresses with no
    /// failure in the last `WINDOW`; returns the summaries written. Run once per window.
    pub fn sweep(&self, now: Instant) -> Vec<(IpAddr, u64)> {
        let mut written = Vec::new();
        self.windows().retain(|ip, w| {
            let ended = now.saturating_duration_since(w.started) >= WINDOW;
            if let Some(n) = w.roll(*ip, now) {
                written.push((*ip, n));
            }
            // A log window in progress is kept (its next lines are counted, not written).
            !w.failures.is_empty() || !ended
        });
        written
    }
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
    // tokio's clock (the same as the system's unless a test paused it).
    let now = tokio::time::Instant::now().into_std();
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

    /// Captures the log lines of this thread until the guard is dropped.
    fn capture() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
        let buf = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&buf);
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || Sink(Arc::clone(&sink)))
            .with_ansi(false)
            .finish();
        (buf, tracing::subscriber::set_default(subscriber))
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A guesser that tries one key every `pace` for `total`, as the guard sees it: throttled
    /// requests are not tested. Returns the times of the guesses tested.
    async fn paced_guesser(
        f: &FailedAuth,
        a: IpAddr,
        pace: Duration,
        total: Duration,
    ) -> Vec<Instant> {
        let start = tokio::time::Instant::now();
        let mut tested = Vec::new();
        let mut next_sweep = start + WINDOW;
        while start.elapsed() < total {
            let now = tokio::time::Instant::now();
            if now >= next_sweep {
                f.sweep(now.into_std());
                next_sweep += WINDOW;
            }
            let now = now.into_std();
            if f.blocked(a, now).is_none() {
                tested.push(now);
                f.failed(a, now);
            }
            f.log_this(a, now);
            tokio::time::sleep(pace).await;
        }
        tested
    }

    #[tokio::test(start_paused = true)]
    async fn a_paced_guesser_gets_no_more_than_the_quota_tested_in_any_minute() {
        let f = FailedAuth::new(30, &[]);
        let a = ip("198.51.100.7");
        // The paused runtime runs on this thread, where the capture is installed.
        let (buf, guard) = capture();
        let tested = paced_guesser(&f, a, Duration::from_secs(2), WINDOW * 5).await;
        drop(guard);
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // No 60 s window holds more than 30 tested guesses, and the quota is really given.
        for (i, t) in tested.iter().enumerate() {
            let in_window = tested[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < WINDOW)
                .count();
            assert!(
                in_window <= 30,
                "{in_window} guesses tested within a minute from guess {i}"
            );
        }
        let first_minute = tested
            .iter()
            .take_while(|u| u.duration_since(tested[0]) < WINDOW)
            .count();
        assert_eq!(first_minute, 30);
        assert!(
            tested.len() >= 30 * 4,
            "{} tested in five minutes",
            tested.len()
        );
        // The log: per minute, the first failure... (request lines are the guard's), one line
        // when throttling starts, one summary.
        let throttling = lines
            .iter()
            .filter(|l| l.contains("throttling this address"))
            .count();
        let summaries = lines
            .iter()
            .filter(|l| l.contains("in the last minute"))
            .count();
        assert!(
            (1..=5).contains(&throttling),
            "{throttling} throttling lines in five minutes: {lines:#?}"
        );
        assert!(
            (1..=5).contains(&summaries),
            "{summaries} summaries in five minutes"
        );
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
