//! Value formatting the anchors apply: decimals without trailing zeros, codes with their names.

use std::borrow::Cow;

use crate::eligibility::codes;

/// `6000.00` → `6000`, `.10` → `0.1`, `0.00` → `0`, `5555.16` unchanged. Anything that is not a
/// plain decimal is returned as received.
pub fn decimal(raw: &str) -> Cow<'_, str> {
    let (sign, digits) = raw.strip_prefix('-').map_or(("", raw), |d| ("-", d));
    let Some((int, frac)) = digits.split_once('.') else {
        return Cow::Borrowed(raw);
    };
    if !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || digits.len() < 2
    {
        return Cow::Borrowed(raw);
    }
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let zero = int.bytes().all(|b| b == b'0') && frac.is_empty();
    let sign = if zero { "" } else { sign };
    if frac.is_empty() {
        if sign.is_empty() && int.len() == raw.len() {
            Cow::Borrowed(raw)
        } else {
            Cow::Owned(format!("{sign}{int}"))
        }
    } else {
        Cow::Owned(format!("{sign}{int}.{frac}"))
    }
}

/// The name of a code, or the code itself when the table does not know it (payers send such).
pub fn name_or_code<'a>(
    table: &'static [(&'static str, &'static str)],
    code: &'a str,
) -> Cow<'a, str> {
    codes::name(table, code).map_or(Cow::Borrowed(code), Cow::Borrowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_the_anchors_print_them() {
        for (raw, want) in [
            ("6000.00", "6000"),
            ("0.00", "0"),
            ("5555.16", "5555.16"),
            (".10", "0.1"),
            (".4", "0.4"),
            (".00", "0"),
            ("20", "20"),
            ("-.50", "-0.5"),
            ("-0.00", "0"),
            ("1.2.3", "1.2.3"),
            ("abc", "abc"),
            (".", "."),
        ] {
            assert_eq!(decimal(raw), want, "{raw}");
        }
    }
}
