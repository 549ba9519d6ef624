//! Code lists as sorted data tables, and lookups by binary search.

mod ack;
mod stedi;
mod x12;

pub use ack::*;
pub use stedi::*;
pub use x12::*;

/// A code of up to 4 bytes as a big-endian integer, zero-padded: for codes without NUL bytes,
/// integer order is the codes' byte order, so lookups compare integers instead of calling
/// `memcmp` (a few hundred lookups per 271 made that visible in the benchmark).
fn packed(code: &str) -> Option<u32> {
    let be = |a: u8, b: u8, c: u8, d: u8| u32::from_be_bytes([a, b, c, d]);
    match *code.as_bytes() {
        [] => Some(0),
        [a] => Some(be(a, 0, 0, 0)),
        [a, b] => Some(be(a, b, 0, 0)),
        [a, b, c] => Some(be(a, b, c, 0)),
        [a, b, c, d] => Some(be(a, b, c, d)),
        _ => None,
    }
}

/// The name of `code` in a table sorted by code.
pub fn name(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    let found = match packed(code) {
        Some(want) => table.binary_search_by(|(c, _)| {
            packed(c).map_or_else(|| (*c).cmp(code), |have| have.cmp(&want))
        }),
        None => table.binary_search_by(|(c, _)| (*c).cmp(code)),
    };
    found.ok().and_then(|i| table.get(i)).map(|(_, n)| *n)
}

/// True when `code` is in `list` (sorted).
pub fn contains(list: &[&str], code: &str) -> bool {
    list.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests;
