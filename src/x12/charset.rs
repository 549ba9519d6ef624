//! The X12 character sets as lookup tables.

// A const fn cannot call `get_mut`; every index is a `u8` into a 256-entry table.
#[allow(clippy::indexing_slicing)]
const fn table(specials: &[u8], lower: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0u8;
    loop {
        t[b as usize] =
            b.is_ascii_uppercase() || b.is_ascii_digit() || (lower && b.is_ascii_lowercase());
        if b == 255 {
            break;
        }
        b += 1;
    }
    let mut rest = specials;
    while let [first, tail @ ..] = rest {
        t[*first as usize] = true;
        rest = tail;
    }
    t
}

/// X12 basic character set: upper-case letters, digits, space and `! " & ' ( ) * + , - . / : ; ? =`.
pub static BASIC: [bool; 256] = table(b" !\"&'()*+,-./:;?=", false);
/// X12 extended character set (5010): basic plus lower case and `% ~ @ [ ] _ { } \ | < > # $ ^` and backtick.
pub static EXTENDED: [bool; 256] = table(b" !\"&'()*+,-./:;?=%~@[]_{}\\|<>#$^`", true);

/// True when `b` is in the basic or extended character set.
pub fn is_allowed(b: u8) -> bool {
    EXTENDED.get(usize::from(b)).copied().unwrap_or(false)
}

/// True when `b` is in the basic character set.
pub fn is_basic(b: u8) -> bool {
    BASIC.get(usize::from(b)).copied().unwrap_or(false)
}
