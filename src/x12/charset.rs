//! The X12 character sets as lookup tables.

const fn table(chars: &[u8], letters_lower: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut c = b'A';
    while c <= b'Z' {
        t[c as usize] = true;
        c += 1;
    }
    let mut d = b'0';
    while d <= b'9' {
        t[d as usize] = true;
        d += 1;
    }
    if letters_lower {
        let mut l = b'a';
        while l <= b'z' {
            t[l as usize] = true;
            l += 1;
        }
    }
    let mut i = 0;
    while i < chars.len() {
        t[chars[i] as usize] = true;
        i += 1;
    }
    t
}

const BASIC_SPECIAL: &[u8] = b" !\"&'()*+,-./:;?=";
const EXTENDED_SPECIAL: &[u8] = b" !\"&'()*+,-./:;?=%~@[]_{}\\|<>#$^`";

/// X12 basic character set: upper-case letters, digits, space and `! " & ' ( ) * + , - . / : ; ? =`.
#[allow(clippy::indexing_slicing)] // const context, indices are bytes of a 256-entry table
pub static BASIC: [bool; 256] = table(BASIC_SPECIAL, false);
/// X12 extended character set (5010): basic plus lower case and `% ~ @ [ ] _ { } \ | < > # $ ^` and backtick.
#[allow(clippy::indexing_slicing)]
pub static EXTENDED: [bool; 256] = table(EXTENDED_SPECIAL, true);

/// True when `b` is in the basic or extended character set.
pub fn is_allowed(b: u8) -> bool {
    EXTENDED.get(usize::from(b)).copied().unwrap_or(false)
}

/// True when `b` is in the basic character set.
pub fn is_basic(b: u8) -> bool {
    BASIC.get(usize::from(b)).copied().unwrap_or(false)
}
