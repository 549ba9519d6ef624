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

/// Byte classes, one bit each, for scanning a value once with a table lookup per byte.
pub mod class {
    /// In the basic or extended character set.
    pub const ALLOWED: u8 = 1;
    /// An ASCII letter or digit.
    pub const ALNUM: u8 = 2;
    /// An ASCII lower-case letter.
    pub const LOWER: u8 = 4;
    /// A backtick.
    pub const BACKTICK: u8 = 8;
    /// The interchange's element separator.
    pub const ELEMENT: u8 = 16;
    /// The interchange's component separator.
    pub const COMPONENT: u8 = 32;
    /// The interchange's repetition separator.
    pub const REPETITION: u8 = 64;
}

// A const fn cannot call `get_mut`; every index is a `u8` into a 256-entry table.
#[allow(clippy::indexing_slicing)]
const fn base_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0u8;
    loop {
        let mut c = 0;
        if EXTENDED[b as usize] {
            c |= class::ALLOWED;
        }
        if b.is_ascii_alphanumeric() {
            c |= class::ALNUM;
        }
        if b.is_ascii_lowercase() {
            c |= class::LOWER;
        }
        if b == b'`' {
            c |= class::BACKTICK;
        }
        t[b as usize] = c;
        if b == 255 {
            return t;
        }
        b += 1;
    }
}

static BASE_CLASSES: [u8; 256] = base_classes();

/// The byte classes of one interchange (its delimiters marked).
#[derive(Clone, Debug)]
pub struct Classes([u8; 256]);

impl Classes {
    /// Classes for an interchange with delimiters `d`.
    pub fn new(d: super::Delimiters) -> Self {
        let mut t = BASE_CLASSES;
        for (b, bit) in [
            (Some(d.element), class::ELEMENT),
            (Some(d.component), class::COMPONENT),
            (d.repetition, class::REPETITION),
        ] {
            if let Some(slot) = b.and_then(|b| t.get_mut(usize::from(b))) {
                *slot |= bit;
            }
        }
        Self(t)
    }

    /// The classes of `b`.
    #[inline]
    pub fn of(&self, b: u8) -> u8 {
        // A `u8` index into 256 entries is always in bounds; `get` keeps the lint quiet for free.
        self.0.get(usize::from(b)).copied().unwrap_or(0)
    }

    /// The union and the intersection of the classes of every byte of `s`.
    #[inline]
    pub fn scan(&self, s: &str) -> (u8, u8) {
        s.bytes().fold((0, u8::MAX), |(any, all), b| {
            let c = self.of(b);
            (any | c, all & c)
        })
    }
}
