//! One connection's two waiting deadlines. hyper has one clock (`header_read_timeout`) and starts
//! it as soon as a keep-alive connection waits for its next request, so it cannot tell a quiet
//! keep-alive connection (`idle_timeout_ms`) from one that has begun a request and trickles its
//! headers (`header_timeout_ms`). This clock can: reads say when a request begins, the service
//! says when it is being served, and the end of its answer's body says when it is quiet again.

use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::time::Instant;

/// The two waits of a connection, from `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct Waits {
    /// From a request's first byte (or the connection's start) to its complete headers.
    pub header: Duration,
    /// Between the end of one answer and the next request's first byte; `None` when keep-alive
    /// is off (hyper then closes after the answer).
    pub idle: Option<Duration>,
}

/// Which deadline ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expired {
    /// A request's headers were not complete in time.
    Header,
    /// The keep-alive connection stayed quiet too long.
    Idle,
}

#[derive(Debug)]
struct Phase {
    /// Requests handed to the service whose answers are not finished.
    serving: u32,
    /// Some bytes of the next request have arrived.
    started: bool,
    /// When the current wait began.
    since: Instant,
}

/// Shared by the connection's reader, its service and its watchdog.
#[derive(Debug)]
pub struct Clock {
    phase: Mutex<Phase>,
    /// True while nothing of a next request has arrived: the only state a read changes, so a
    /// read looks at this flag and takes the lock only on the first byte of a request.
    quiet: AtomicBool,
    changed: Notify,
}

impl Clock {
    /// A new connection: the clock of its first request's headers runs from now.
    pub fn start() -> Arc<Self> {
        Arc::new(Self {
            phase: Mutex::new(Phase {
                serving: 0,
                started: true,
                since: Instant::now(),
            }),
            quiet: AtomicBool::new(false),
            changed: Notify::new(),
        })
    }

    fn phase(&self) -> std::sync::MutexGuard<'_, Phase> {
        self.phase.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived: on a quiet connection, a request has begun.
    fn read_some(&self) {
        if !self.quiet.swap(false, Ordering::AcqRel) {
            return;
        }
        let mut p = self.phase();
        if p.serving == 0 && !p.started {
            p.started = true;
            p.since = Instant::now();
            drop(p);
            self.changed.notify_one();
        }
    }

    /// The service has the request: no deadline of ours runs while it is served.
    pub fn serving(&self) {
        self.quiet.store(false, Ordering::Release);
        let mut p = self.phase();
        p.serving += 1;
        p.started = false;
    }

    /// An answer is finished (its body is done or dropped).
    fn answered(&self) {
        let mut p = self.phase();
        p.serving = p.serving.saturating_sub(1);
        if p.serving == 0 {
            p.started = false;
            p.since = Instant::now();
            self.quiet.store(true, Ordering::Release);
            drop(p);
            self.changed.notify_one();
        }
    }

    /// Resolves when the running deadline passes; never while a request is served.
    pub async fn expired(&self, waits: Waits) -> Expired {
        loop {
            // A change between reading the phase and waiting leaves a permit: nothing is missed.
            let changed = self.changed.notified();
            let running = {
                let p = self.phase();
                if p.serving > 0 {
                    None
                } else if p.started {
                    Some((Expired::Header, p.since + waits.header))
                } else {
                    waits.idle.map(|idle| (Expired::Idle, p.since + idle))
                }
            };
            match running {
                Some((which, deadline)) if Instant::now() >= deadline => return which,
                Some((_, deadline)) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(deadline) => {}
                        () = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}

/// The connection's socket, telling the clock when bytes arrive.
#[derive(Debug)]
pub struct Watched<T> {
    inner: T,
    clock: Arc<Clock>,
}

impl<T> Watched<T> {
    /// Wraps `inner`.
    pub fn new(inner: T, clock: Arc<Clock>) -> Self {
        Self { inner, clock }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.clock.read_some();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// An answer's body; when hyper is done with it (written, or the connection ended), the
/// connection is quiet again.
#[derive(Debug)]
pub struct Answer<B> {
    inner: B,
    clock: Arc<Clock>,
}

impl<B> Answer<B> {
    /// Wraps the body of an answer to a request the clock counted as served.
    pub fn new(inner: B, clock: Arc<Clock>) -> Self {
        Self { inner, clock }
    }
}

impl<B> Drop for Answer<B> {
    fn drop(&mut self) {
        self.clock.answered();
    }
}

impl<B: Body + Unpin> Body for Answer<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAITS: Waits = Waits {
        header: Duration::from_secs(10),
        idle: Some(Duration::from_secs(60)),
    };

    async fn expiry(clock: &Clock, waits: Waits) -> (Expired, Duration) {
        let from = Instant::now();
        let which = clock.expired(waits).await;
        (which, from.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_new_connection_has_the_header_deadline() {
        let clock = Clock::start();
        assert_eq!(expiry(&clock, WAITS).await, (Expired::Header, WAITS.header));
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_keep_alive_connection_has_the_idle_deadline() {
        let clock = Clock::start();
        clock.serving();
        clock.answered();
        assert_eq!(
            expiry(&clock, WAITS).await,
            (Expired::Idle, Duration::from_secs(60))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_byte_of_the_next_request_starts_the_header_deadline() {
        let clock = Clock::start();
        clock.serving();
        clock.answered();
        let waiting = {
            let clock = Arc::clone(&clock);
            tokio::spawn(async move { expiry(&clock, WAITS).await })
        };
        tokio::time::sleep(Duration::from_secs(30)).await;
        clock.read_some();
        // 30 s quiet, then 10 s for the headers: earlier than the idle deadline would have been.
        assert_eq!(
            waiting.await.unwrap(),
            (Expired::Header, Duration::from_secs(40))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_runs_while_a_request_is_served() {
        let clock = Clock::start();
        clock.serving();
        let waiting = {
            let clock = Arc::clone(&clock);
            tokio::spawn(async move { expiry(&clock, WAITS).await })
        };
        tokio::time::sleep(Duration::from_secs(600)).await;
        // Body bytes of the request being served are not a new request.
        clock.read_some();
        assert!(!waiting.is_finished());
        clock.answered();
        assert_eq!(
            waiting.await.unwrap(),
            (Expired::Idle, Duration::from_secs(660))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn with_keep_alive_off_a_quiet_connection_is_left_to_hyper() {
        let clock = Clock::start();
        clock.serving();
        clock.answered();
        let waits = Waits {
            idle: None,
            ..WAITS
        };
        let waiting = tokio::time::timeout(Duration::from_secs(3600), clock.expired(waits));
        assert!(waiting.await.is_err());
    }
}
