//! Control numbers for requests that bring none: nine digits from a counter seeded once from the
//! clock, so a request costs one atomic add and no system call.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// ISA13 is nine digits; `000000000` is avoided.
const SPAN: u64 = 999_999_999;

/// The next control number, `000000001`–`999999999`, unique among the next 999,999,999 requests
/// of this process; a restart starts elsewhere in the cycle.
pub fn next_control_number() -> String {
    static NEXT: OnceLock<AtomicU64> = OnceLock::new();
    let counter = NEXT.get_or_init(|| {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| {
            d.as_secs()
                .wrapping_mul(1_000)
                .wrapping_add(u64::from(d.subsec_millis()))
        });
        AtomicU64::new(seed)
    });
    let n = counter.fetch_add(1, Ordering::Relaxed) % SPAN + 1;
    format!("{n:09}")
}
