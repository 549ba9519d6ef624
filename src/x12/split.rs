//! Splitting on a one-byte delimiter. `str::split(char)` goes through the generic char searcher,
//! which dominated the validator's profile; delimiters are ASCII, so a byte scan finds the same
//! boundaries and slicing there always lands on a char boundary.

/// Pieces of `s` between occurrences of `sep` (like `str::split`, empty pieces included).
#[derive(Clone, Debug)]
pub struct SplitByte<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

/// Splits `s` on the ASCII byte `sep`.
pub fn split_byte(s: &str, sep: u8) -> SplitByte<'_> {
    SplitByte { rest: Some(s), sep }
}

/// Byte position of the first `sep` in `s`.
pub fn find_byte(s: &str, sep: u8) -> Option<usize> {
    s.as_bytes().iter().position(|&b| b == sep)
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        if let Some(i) = find_byte(s, self.sep) {
            self.rest = s.get(i + 1..);
            s.get(..i)
        } else {
            self.rest = None;
            Some(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_str_split() {
        for s in ["", "*", "a*b", "**a**", "é*ü*", "no-sep"] {
            assert_eq!(
                split_byte(s, b'*').collect::<Vec<_>>(),
                s.split('*').collect::<Vec<_>>(),
                "{s:?}"
            );
        }
    }
}
