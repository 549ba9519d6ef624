//! Code lists as sorted data tables, and lookups by binary search.

mod ack;
mod stedi;
mod x12;

pub use ack::*;
pub use stedi::*;
pub use x12::*;

/// The name of `code` in a table sorted by code.
pub fn name(table: &'static [(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .and_then(|i| table.get(i))
        .map(|(_, n)| *n)
}

/// True when `code` is in `list` (sorted).
pub fn contains(list: &[&str], code: &str) -> bool {
    list.binary_search(&code).is_ok()
}

#[cfg(test)]
mod tests;
