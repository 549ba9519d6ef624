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
    let zero = int.bytes().all(|b| b == b'0') && frac.is_empty();
    if zero {
        return Cow::Borrowed("0");
    }
    match (sign, int.is_empty(), frac.is_empty()) {
        // `6000.00` → `6000`, `5555.10` → `5555.1`: a prefix of the input, no allocation.
        ("", false, true) => Cow::Borrowed(int),
        ("", false, false) => Cow::Borrowed(digits.get(..=int.len() + frac.len()).unwrap_or(raw)),
        (_, true, true) => Cow::Borrowed("0"),
        (_, true, false) => Cow::Owned(format!("{sign}0.{frac}")),
        (_, false, true) => Cow::Owned(format!("{sign}{int}")),
        (_, false, false) => Cow::Owned(format!("{sign}{int}.{frac}")),
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
            ("5555.10", "5555.1"),
            ("-12.50", "-12.5"),
            ("-7.00", "-7"),
            ("007.50", "007.5"),
            ("abc", "abc"),
            (".", "."),
        ] {
            assert_eq!(decimal(raw), want, "{raw}");
        }
    }
}
