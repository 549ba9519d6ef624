//! The four delimiters of an interchange, read from its `ISA` by counting separators.

use super::ParseError;

/// Delimiters of one interchange. All are single ASCII bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delimiters {
    /// Element separator: the byte after `ISA`.
    pub element: u8,
    /// Repetition separator (ISA11); `None` in 00401, where ISA11 is a standards identifier.
    pub repetition: Option<u8>,
    /// Component separator (ISA16).
    pub component: u8,
    /// Segment terminator: the byte after ISA16.
    pub segment: u8,
}

impl Default for Delimiters {
    /// The delimiters we write: `*`, `^`, `:`, `~` (Change requires `:` as ISA16).
    fn default() -> Self {
        Self {
            element: b'*',
            repetition: Some(b'^'),
            component: b':',
            segment: b'~',
        }
    }
}

/// The ISA is 106 bytes; a badly padded one may be somewhat longer, but past this we are no longer
/// reading an ISA but the segments after it.
const MAX_ISA_LEN: usize = 200;

impl Delimiters {
    /// Reads the delimiters from `isa`, which must start with `ISA` (BOM and whitespace removed).
    /// Returns them with the byte length of the ISA segment, terminator included.
    pub fn from_isa(isa: &str) -> Result<(Self, usize), ParseError> {
        let bytes = isa.as_bytes();
        if !bytes.starts_with(b"ISA") {
            return Err(ParseError::NoIsa { offset: 0 });
        }
        let element = *bytes.get(3).ok_or(ParseError::ShortIsa)?;
        check_usable("element", element, 3)?;
        let mut seen = 0;
        let mut sixteenth = None;
        for (i, &b) in bytes.iter().enumerate().skip(3).take(MAX_ISA_LEN) {
            if b == element {
                seen += 1;
                if seen == 16 {
                    sixteenth = Some(i);
                    break;
                }
            }
        }
        let at = sixteenth.ok_or(ParseError::ShortIsa)?;
        let component = *bytes.get(at + 1).ok_or(ParseError::ShortIsa)?;
        let segment = *bytes.get(at + 2).ok_or(ParseError::ShortIsa)?;
        check_usable("component", component, at + 1)?;
        if segment.is_ascii_alphanumeric() || segment == b' ' || !segment.is_ascii() {
            return Err(ParseError::BadDelimiter {
                which: "segment",
                offset: at + 2,
            });
        }
        // ISA11 and ISA12 decide whether ISA11 is a repetition separator (00501) or not (00401).
        let mut fields = super::split_byte(isa.get(4..at).unwrap_or(""), element);
        let isa11 = fields.nth(10).unwrap_or("");
        let isa12 = fields.next().unwrap_or("");
        let repetition = match isa11.as_bytes() {
            [r] if !r.is_ascii_alphanumeric() && *r != b' ' && isa12 != "00401" => {
                check_usable("repetition", *r, 0)?;
                Some(*r)
            }
            _ => None,
        };
        let d = Self {
            element,
            repetition,
            component,
            segment,
        };
        d.check_distinct()?;
        Ok((d, at + 3))
    }

    fn check_distinct(self) -> Result<(), ParseError> {
        let roles = [
            ("element", Some(self.element)),
            ("component", Some(self.component)),
            ("segment", Some(self.segment)),
            ("repetition", self.repetition),
        ];
        for (i, &(first, a)) in roles.iter().enumerate() {
            for &(second, b) in roles.iter().skip(i + 1) {
                if a.is_some() && a == b {
                    return Err(ParseError::DelimiterClash { first, second });
                }
            }
        }
        Ok(())
    }

    /// True when `b` is one of this interchange's delimiters.
    pub fn is_delimiter(&self, b: u8) -> bool {
        b == self.element || b == self.component || b == self.segment || Some(b) == self.repetition
    }
}

fn check_usable(which: &'static str, b: u8, offset: usize) -> Result<(), ParseError> {
    if b.is_ascii_alphanumeric() || b.is_ascii_whitespace() || !b.is_ascii() {
        Err(ParseError::BadDelimiter { which, offset })
    } else {
        Ok(())
    }
}
