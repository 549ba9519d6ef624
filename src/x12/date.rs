//! Calendar checks for X12 dates and times, and today's date for the documents we write.

use std::time::{SystemTime, UNIX_EPOCH};

/// True for a `CCYYMMDD` date that exists (leap years included).
pub fn is_ccyymmdd(s: &str) -> bool {
    match digits::<8>(s) {
        Some([c1, c2, y1, y2, m1, m2, d1, d2]) => {
            let y = c1 * 1000 + c2 * 100 + y1 * 10 + y2;
            y >= 1800 && exists(y, m1 * 10 + m2, d1 * 10 + d2)
        }
        None => false,
    }
}

/// True for a `YYMMDD` date that exists (ISA09); the century is taken as 20.
pub fn is_yymmdd(s: &str) -> bool {
    match digits::<6>(s) {
        Some([y1, y2, m1, m2, d1, d2]) => exists(2000 + y1 * 10 + y2, m1 * 10 + m2, d1 * 10 + d2),
        None => false,
    }
}

/// True for a time `HHMM`, `HHMMSS` or `HHMMSSD..` (TM 4/8).
pub fn is_time(s: &str) -> bool {
    let b = s.as_bytes();
    if !matches!(b.len(), 4 | 6 | 7 | 8) || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let pair = |i: usize| {
        b.get(i..i + 2).map_or(99, |p| {
            p.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
        })
    };
    pair(0) < 24 && pair(2) < 60 && (b.len() < 6 || pair(4) < 60)
}

/// The `N` digits of `s` as numbers, when `s` is exactly `N` ASCII digits. Plain arithmetic:
/// `str::parse` showed up in the validator's profile.
fn digits<const N: usize>(s: &str) -> Option<[u32; N]> {
    let b: &[u8; N] = s.as_bytes().try_into().ok()?;
    let mut out = [0u32; N];
    for (o, &c) in out.iter_mut().zip(b) {
        if !c.is_ascii_digit() {
            return None;
        }
        *o = u32::from(c - b'0');
    }
    Some(out)
}

fn exists(y: u32, m: u32, d: u32) -> bool {
    let leap = (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// A UTC date and time, for envelope fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    /// Year, e.g. 2026.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
    /// Hour 0–23.
    pub hour: u32,
    /// Minute 0–59.
    pub minute: u32,
}

impl Stamp {
    /// Now, in UTC.
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_unix(i64::try_from(secs).unwrap_or(0))
    }

    /// A Unix timestamp as RFC 3339 UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn rfc3339(secs: i64) -> String {
        let t = Self::from_unix(secs);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            secs.rem_euclid(60)
        )
    }

    /// The UTC civil time of a Unix timestamp (days-from-civil inverse, after Howard Hinnant).
    pub fn from_unix(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let small = |v: i64| u32::try_from(v).unwrap_or(0);
        Self {
            year,
            month: small(month),
            day: small(day),
            hour: small(rem / 3600),
            minute: small(rem % 3600 / 60),
        }
    }

    /// `CCYYMMDD`.
    pub fn ccyymmdd(&self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// `YYMMDD` (ISA09).
    pub fn yymmdd(&self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.year.rem_euclid(100),
            self.month,
            self.day
        )
    }

    /// `HHMM`.
    pub fn hhmm(&self) -> String {
        format!("{:02}{:02}", self.hour, self.minute)
    }
}
