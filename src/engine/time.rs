//! Simulated time: integer microseconds (T1), with parsing and printing of `"1h30m"`-style
//! durations.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Microseconds in one second.
pub const MICROS_PER_SEC: u64 = 1_000_000;

/// A span of simulated time in whole microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

/// An instant of simulated time: microseconds since the start of the run (serialized as the
/// integer number of microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct SimTime(pub u64);

impl SimDuration {
    /// Zero length.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `s` whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * MICROS_PER_SEC)
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }

    /// A duration of `us` microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }

    /// Whole microseconds.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds as a float (for reports only, never for event times).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }

    /// Multiplies by a non-negative factor, rounding down to whole microseconds.
    pub fn mul_f64(self, factor: f64) -> Self {
        let v = self.0 as f64 * factor;
        if v >= u64::MAX as f64 {
            SimDuration(u64::MAX)
        } else if v > 0.0 {
            SimDuration(v as u64)
        } else {
            SimDuration(0)
        }
    }

    /// Parses `"5s"`, `"90m"`, `"1h30m"`, `"120ms"`, `"250us"`, `"1.5s"`, `"2d"` or `"0"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let s = text.trim();
        if s == "0" {
            return Ok(SimDuration(0));
        }
        if s.is_empty() {
            return Err("empty duration".into());
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut total: u128 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let number = &s[start..i];
            if number.is_empty() {
                return Err(format!("expected a number at `{}`", &s[start..]));
            }
            let ustart = i;
            while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            let unit = &s[ustart..i];
            let scale: u128 = match unit {
                "d" => 86_400_000_000,
                "h" => 3_600_000_000,
                "m" => 60_000_000,
                "s" => 1_000_000,
                "ms" => 1_000,
                "us" | "µs" => 1,
                "" => return Err(format!("`{number}` has no unit (use d, h, m, s, ms or us)")),
                other => return Err(format!("unknown unit `{other}` (use d, h, m, s, ms or us)")),
            };
            total += parse_scaled(number, scale)?;
            if total > u64::MAX as u128 / 2 {
                return Err("duration too large".into());
            }
        }
        Ok(SimDuration(total as u64))
    }
}

/// `number * scale` exactly, for a decimal `number`; fractions finer than 1 us are an error.
fn parse_scaled(number: &str, scale: u128) -> Result<u128, String> {
    let (whole, frac) = match number.split_once('.') {
        Some((w, f)) => (w, f),
        None => (number, ""),
    };
    if frac.contains('.') || (whole.is_empty() && frac.is_empty()) {
        return Err(format!("`{number}` is not a number"));
    }
    if whole.len() > 20 || frac.len() > 12 {
        return Err(format!("`{number}` is too long"));
    }
    let w: u128 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| format!("`{number}` is not a number"))?
    };
    let mut value = w * scale;
    if !frac.is_empty() {
        let f: u128 = frac
            .parse()
            .map_err(|_| format!("`{number}` is not a number"))?;
        let denom = 10u128.pow(frac.len() as u32);
        if !(f * scale).is_multiple_of(denom) {
            return Err(format!("`{number}` is finer than one microsecond"));
        }
        value += f * scale / denom;
    }
    Ok(value)
}

impl fmt::Display for SimDuration {
    /// Prints the shortest exact form in hours and smaller units, e.g. `1h30m`, `25h`,
    /// `1s500ms`, `0s` (days are accepted on input but hours read better in reports).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        if rest == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [
            ("h", 3_600_000_000u64),
            ("m", 60_000_000),
            ("s", 1_000_000),
            ("ms", 1_000),
            ("us", 1),
        ] {
            if rest >= size {
                write!(f, "{}{}", rest / size, unit)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = SimDuration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration string such as \"5s\", \"90m\", \"1h30m\" or \"120ms\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SimDuration, E> {
                Err(E::custom(format!(
                    "{v} is a bare number: a duration is a string such as \"8h\" or \"{v}s\""
                )))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SimDuration, E> {
                Err(E::custom(format!(
                    "{v} is a bare number: a duration is a string such as \"8h\" or \"{v}s\""
                )))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SimDuration, E> {
                Err(E::custom(format!(
                    "{v} is a bare number: a duration is a string such as \"8h\" or \"{v}s\""
                )))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SimDuration, E> {
                SimDuration::parse(v).map_err(|e| {
                    E::custom(format!(
                        "invalid duration \"{v}\": {e}; write e.g. \"5s\", \"90m\", \"1h30m\", \"120ms\""
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);

    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }

    /// Seconds as a float (for reports only).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MICROS_PER_SEC as f64
    }
}

impl std::ops::Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl std::ops::Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t+{}", SimDuration(self.0))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Seconds since 1970-01-01T00:00:00Z of a `YYYY-MM-DDTHH:MM:SSZ` text (years 1970-9999).
pub fn parse_utc(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let month_days = [
        31,
        28 + u32::from(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)),
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if y < 1970 || !(1..=12).contains(&mo) || d == 0 || d > month_days[mo as usize - 1] {
        return None;
    }
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = days_from_civil(i64::from(y), mo, d);
    Some(days as u64 * 86_400 + u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(se))
}

/// UTC (year, month, day, hour) of `secs` since the epoch.
pub fn utc_parts(secs: u64) -> (i64, u32, u32, u32) {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    (y, m, d, ((secs % 86_400) / 3600) as u32)
}

/// ISO 8601 (week-based year, week number 1-53) of `secs` since the epoch.
pub fn iso_week(secs: u64) -> (i64, u32) {
    let days = (secs / 86_400) as i64;
    // 1970-01-01 was a Thursday; weekday 1 = Monday .. 7 = Sunday.
    let weekday = (days + 3).rem_euclid(7) + 1;
    // The Thursday of this week decides the year.
    let thursday = days - weekday + 4;
    let (y, _, _) = civil_from_days(thursday);
    let week = (thursday - days_from_civil(y, 1, 1)) / 7 + 1;
    (y, week as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_durations() {
        for (text, us) in [
            ("5s", 5_000_000),
            ("90m", 5_400_000_000),
            ("1h30m", 5_400_000_000),
            ("24h", 86_400_000_000),
            ("120ms", 120_000),
            ("250us", 250),
            ("1.5s", 1_500_000),
            ("0", 0),
            ("0s", 0),
            ("2d", 172_800_000_000),
        ] {
            assert_eq!(SimDuration::parse(text), Ok(SimDuration(us)), "{text}");
        }
        assert_eq!(SimDuration(5_400_000_000).to_string(), "1h30m");
        assert_eq!(SimDuration(1_500_000).to_string(), "1s500ms");
        assert_eq!(SimDuration(90_000_000_000).to_string(), "25h");
        for bad in ["", "5", "5x", "h", "1.2.3s", "0.0000001s", "-5s"] {
            assert!(SimDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn utc_dates_and_iso_weeks() {
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2025-01-01T00:00:00Z"), Some(1_735_689_600));
        assert_eq!(parse_utc("2024-02-29T12:30:00Z"), Some(1_709_209_800));
        for bad in [
            "2025-02-29T00:00:00Z",
            "2025-1-01T00:00:00Z",
            "2025-01-01 00:00:00",
            "1969-12-31T23:59:59Z",
            "2025-01-01T24:00:00Z",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
        assert_eq!(utc_parts(1_709_209_800), (2024, 2, 29, 12));
        // 2025-01-01 is in ISO week 1 of 2025; 2024-12-30 too; 2021-01-03 is in 2020-W53.
        assert_eq!(iso_week(1_735_689_600), (2025, 1));
        assert_eq!(
            iso_week(parse_utc("2024-12-30T00:00:00Z").unwrap()),
            (2025, 1)
        );
        assert_eq!(
            iso_week(parse_utc("2021-01-03T00:00:00Z").unwrap()),
            (2020, 53)
        );
        assert_eq!(
            iso_week(parse_utc("2025-06-15T00:00:00Z").unwrap()),
            (2025, 24)
        );
    }

    #[test]
    fn display_round_trips() {
        for us in [0u64, 1, 999, 1_000, 61_000_001, 90_061_000_000] {
            let d = SimDuration(us);
            assert_eq!(SimDuration::parse(&d.to_string()), Ok(d));
        }
    }
}
