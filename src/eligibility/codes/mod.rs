//! Code lists as sorted data tables, and lookups by binary search.

use std::sync::LazyLock;

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

/// A table's codes as packed integers, for the tables every EB and III looks codes up in.
struct Packed {
    table: &'static [(&'static str, &'static str)],
    /// Sorted (packed order is code order); codes longer than 4 bytes are left out.
    keys: Box<[u32]>,
    names: Box<[&'static str]>,
}

impl Packed {
    fn new(table: &'static [(&'static str, &'static str)]) -> Self {
        let (keys, names): (Vec<u32>, Vec<&'static str>) = table
            .iter()
            .filter_map(|(c, n)| Some((packed(c)?, *n)))
            .unzip();
        Self {
            table,
            keys: keys.into(),
            names: names.into(),
        }
    }

    fn get(&self, key: u32) -> Option<&'static str> {
        let i = self.keys.binary_search(&key).ok()?;
        self.names.get(i).copied()
    }
}

/// Built on first use; a lookup in one of these searches `u32`s instead of strings.
static HOT: LazyLock<[Packed; 11]> = LazyLock::new(|| {
    [
        SERVICE_TYPES,
        ELIGIBILITY_CODES,
        COVERAGE_LEVELS,
        INSURANCE_TYPES,
        TIME_PERIODS,
        QUANTITY_QUALIFIERS,
        NETWORK_INDICATORS,
        CODE_LIST_QUALIFIERS,
        PLACES_OF_SERVICE,
        ENTITY_IDENTIFIERS,
        ENTITY_TYPES,
    ]
    .map(Packed::new)
});

/// The name of `code` in a table sorted by code.
pub fn name(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    if let Some(key) = packed(code)
        && let Some(hot) = HOT.iter().find(|h| std::ptr::eq(h.table, table))
    {
        return hot.get(key);
    }
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
