//! System randomness read in bulk: a `getrandom` call per transaction id and per nonce was a
//! system call on every record (about a microsecond each under load). Each thread keeps a block
//! and hands its bytes out once, in order, so no byte is ever given twice.

use std::cell::RefCell;

/// Bytes read from the system at a time.
const BLOCK: usize = 4096;

struct Pool {
    bytes: [u8; BLOCK],
    /// Bytes before this are given out.
    used: usize,
}

thread_local! {
    static POOL: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; BLOCK], used: BLOCK }) };
}

/// Fills `out` with system randomness (the operating system's CSPRNG, as `getrandom` gives it).
pub fn fill(out: &mut [u8]) -> Result<(), getrandom::Error> {
    if out.len() > BLOCK / 4 {
        return getrandom::fill(out);
    }
    POOL.with_borrow_mut(|pool| {
        if BLOCK - pool.used < out.len() {
            getrandom::fill(&mut pool.bytes)?;
            pool.used = 0;
        }
        let end = pool.used + out.len();
        let Some(given) = pool.bytes.get_mut(pool.used..end) else {
            return getrandom::fill(out);
        };
        out.copy_from_slice(given);
        // Given bytes are wiped: a later read of the block never sees them again.
        given.fill(0);
        pool.used = end;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_bytes_are_given_twice_across_refills() {
        // 12-byte draws over several blocks: all distinct (a repeat of 96 random bits would
        // mean bytes were reused).
        let mut seen = std::collections::HashSet::new();
        for _ in 0..(3 * BLOCK / 12 + 5) {
            let mut n = [0u8; 12];
            fill(&mut n).unwrap();
            assert!(seen.insert(n), "a nonce came out twice");
        }
        let mut big = [0u8; BLOCK];
        fill(&mut big).unwrap();
        assert!(big.iter().any(|b| *b != 0));
    }
}
