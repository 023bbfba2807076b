//! Time on the wire: RFC 3339 instants and ISO 8601 durations.
//!
//! The core never reads a clock: every instant arrives as an argument. Durations are checked on
//! parse (no negatives, no overflow), and date arithmetic elsewhere uses chrono's `checked_*`.

use alloc::format;
use alloc::string::String;
use core::fmt;
use core::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time, always UTC.
pub type Instant = DateTime<Utc>;

/// Why a time value on the wire was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimeError {
    /// Not an RFC 3339 instant.
    #[error("invalid RFC 3339 instant `{0}` (expected e.g. `2026-03-02T09:00:00Z`)")]
    Instant(String),
    /// An instant outside the years the engine accepts ([`EARLIEST_YEAR`] to
    /// [`HORIZON_YEAR`] − 1).
    #[error("instant `{0}` is outside the years 1970 to 8999")]
    OutOfRange(String),
    /// Not an ISO 8601 duration this engine accepts.
    #[error("invalid ISO 8601 duration `{text}`: {reason}")]
    Duration {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Parses an RFC 3339 instant (any offset, with or without fractional seconds) into UTC.
/// An instant whose offset moves it outside the years 0000–9999 is refused: RFC 3339 cannot
/// write it back, so it would not survive a round trip through the wire or the event log.
pub fn parse_instant(text: &str) -> Result<Instant, TimeError> {
    use chrono::Datelike;
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| TimeError::Instant(text.into()))
}

/// Formats an instant as Graph does: `2026-03-02T09:00:00Z`, fractions only when present.
pub fn format_instant(t: &Instant) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Serde adapter for [`Instant`] fields: RFC 3339 text with a clear error.
pub mod instant {
    use super::*;

    /// Serializes as RFC 3339 UTC.
    pub fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_instant(t))
    }

    /// Deserializes RFC 3339 text.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let text = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_instant(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde adapter for `Option<Instant>` fields (null or absent = `None`).
pub mod instant_opt {
    use super::*;

    /// Serializes as RFC 3339 UTC or null.
    pub fn serialize<S: Serializer>(t: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_str(&format_instant(t)),
            None => s.serialize_none(),
        }
    }

    /// Deserializes RFC 3339 text or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Instant>, D::Error> {
        let text = <Option<alloc::borrow::Cow<'de, str>>>::deserialize(d)?;
        text.map(|t| parse_instant(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// A non-negative ISO 8601 duration such as `PT8H`, `P365D` or `PT1H45M`.
///
/// Years and months are refused: their length depends on the calendar, and Graph's role settings
/// express every limit in days, hours, minutes and seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct IsoDuration(pub TimeDelta);

/// The largest duration accepted: 100 years, far beyond any PIM limit, far below overflow.
const MAX_SECONDS: i64 = 100 * 366 * 86_400;

impl IsoDuration {
    /// The duration as a chrono delta.
    pub const fn delta(self) -> TimeDelta {
        self.0
    }

    /// A duration of whole minutes.
    pub fn minutes(m: i64) -> Self {
        IsoDuration(TimeDelta::try_minutes(m).unwrap_or(TimeDelta::zero()))
    }

    /// A duration of whole hours.
    pub fn hours(h: i64) -> Self {
        IsoDuration(TimeDelta::try_hours(h).unwrap_or(TimeDelta::zero()))
    }

    /// A duration of whole days.
    pub fn days(d: i64) -> Self {
        IsoDuration(TimeDelta::try_days(d).unwrap_or(TimeDelta::zero()))
    }
}

impl FromStr for IsoDuration {
    type Err = TimeError;

    fn from_str(text: &str) -> Result<Self, TimeError> {
        let fail = |reason| TimeError::Duration {
            text: text.into(),
            reason,
        };
        if text.starts_with('-') {
            return Err(fail("durations must not be negative"));
        }
        let rest = text
            .strip_prefix('P')
            .or_else(|| text.strip_prefix('p'))
            .ok_or_else(|| fail("must start with `P`"))?;
        if rest.is_empty() {
            return Err(fail("has no components"));
        }
        let mut seconds: i64 = 0;
        let mut nanos: i64 = 0;
        let mut in_time = false;
        let mut number = String::new();
        let mut components = 0u32;
        let mut saw_t = false;
        for c in rest.chars() {
            match c {
                '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
                'T' | 't' => {
                    if in_time || !number.is_empty() {
                        return Err(fail("misplaced `T`"));
                    }
                    in_time = true;
                    saw_t = true;
                }
                _ => {
                    let unit = c.to_ascii_uppercase();
                    let (whole, frac) = split_number(&number).ok_or_else(|| fail("bad number"))?;
                    number.clear();
                    let unit_seconds: i64 = match (in_time, unit) {
                        (false, 'Y') | (false, 'M') => {
                            return Err(fail("years and months are not fixed lengths; use days"));
                        }
                        (false, 'W') => 7 * 86_400,
                        (false, 'D') => 86_400,
                        (true, 'H') => 3_600,
                        (true, 'M') => 60,
                        (true, 'S') => 1,
                        _ => return Err(fail("unknown unit")),
                    };
                    if frac.is_some() && unit != 'S' {
                        return Err(fail("fractions are allowed on seconds only"));
                    }
                    let add = whole
                        .checked_mul(unit_seconds)
                        .ok_or_else(|| fail("too large"))?;
                    seconds = seconds.checked_add(add).ok_or_else(|| fail("too large"))?;
                    if let Some(f) = frac {
                        nanos = f;
                    }
                    components = components.saturating_add(1);
                }
            }
        }
        if !number.is_empty() {
            return Err(fail("a number has no unit"));
        }
        if components == 0 || (saw_t && rest.ends_with(['T', 't'])) {
            return Err(fail("has no components"));
        }
        if seconds > MAX_SECONDS {
            return Err(fail("longer than 100 years"));
        }
        let delta = TimeDelta::try_seconds(seconds)
            .and_then(|s| s.checked_add(&TimeDelta::nanoseconds(nanos)))
            .ok_or_else(|| fail("too large"))?;
        Ok(IsoDuration(delta))
    }
}

/// Splits `12` or `1.5` into whole units and nanoseconds of fraction.
fn split_number(text: &str) -> Option<(i64, Option<i64>)> {
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    if whole.is_empty() || whole.len() > 15 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac = match frac {
        None => None,
        Some(f) if f.is_empty() || f.len() > 9 || !f.bytes().all(|b| b.is_ascii_digit()) => {
            return None;
        }
        Some(f) => {
            let mut padded = String::from(f);
            while padded.len() < 9 {
                padded.push('0');
            }
            Some(padded.parse().ok()?)
        }
    };
    Some((whole, frac))
}

impl fmt::Display for IsoDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.num_seconds();
        let nanos = self.0.subsec_nanos();
        let (days, rem) = (total / 86_400, total % 86_400);
        let (hours, rem) = (rem / 3_600, rem % 3_600);
        let (minutes, secs) = (rem / 60, rem % 60);
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if hours > 0 || minutes > 0 || secs > 0 || nanos > 0 || days == 0 {
            f.write_str("T")?;
            if hours > 0 {
                write!(f, "{hours}H")?;
            }
            if minutes > 0 {
                write!(f, "{minutes}M")?;
            }
            if nanos > 0 {
                let frac = format!("{nanos:09}");
                write!(f, "{secs}.{}S", frac.trim_end_matches('0'))?;
            } else if secs > 0 || (hours == 0 && minutes == 0) {
                write!(f, "{secs}S")?;
            }
        }
        Ok(())
    }
}

impl Serialize for IsoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <alloc::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The first year the engine refuses. Every instant it accepts, plus any duration it accepts
/// (at most 100 years), stays within RFC 3339's four-digit years, so every event it writes can
/// be read back.
pub const HORIZON_YEAR: i32 = 9000;

/// The first year the engine accepts: the Unix epoch's. An earlier instant on the wire is a
/// zeroed or mistyped date (`0000-01-01`, `0001-01-01`, Graph's `DateTimeOffset.MinValue`),
/// never a real sign-in, assignment or review; taking it as "long ago" would make accounts look
/// stale and assignments look old.
pub const EARLIEST_YEAR: i32 = 1970;

/// Refuses an instant outside the years [`EARLIEST_YEAR`] to [`HORIZON_YEAR`] − 1. Every
/// instant a command or query carries is checked with it; [`parse_instant`] itself accepts any
/// RFC 3339 instant, so a stored log replays whatever it holds.
pub fn check_range(t: Instant) -> Result<Instant, TimeError> {
    use chrono::Datelike;
    if (EARLIEST_YEAR..HORIZON_YEAR).contains(&t.year()) {
        Ok(t)
    } else {
        Err(TimeError::OutOfRange(format_instant(&t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn parses_graph_durations() {
        assert_eq!(
            "PT8H".parse::<IsoDuration>().expect("valid test input"),
            IsoDuration::hours(8)
        );
        assert_eq!(
            "P365D".parse::<IsoDuration>().expect("valid test input"),
            IsoDuration::days(365)
        );
        assert_eq!(
            "PT1H45M".parse::<IsoDuration>().expect("valid test input"),
            IsoDuration::minutes(105)
        );
        assert_eq!(
            "P2W".parse::<IsoDuration>().expect("valid test input"),
            IsoDuration::days(14)
        );
        assert_eq!(
            "PT0.5S".parse::<IsoDuration>().expect("valid test input").0,
            TimeDelta::milliseconds(500)
        );
        assert_eq!(
            "pt30m".parse::<IsoDuration>().expect("valid test input"),
            IsoDuration::minutes(30)
        );
    }

    #[test]
    fn refuses_bad_durations() {
        for bad in [
            "",
            "P",
            "PT",
            "-PT1H",
            "PT-1H",
            "P1Y",
            "P1M",
            "PT1.5H",
            "8H",
            "PT8",
            "P1H",
            "PT99999999999999999H",
            "P1DT",
            "PTT1H",
        ] {
            assert!(bad.parse::<IsoDuration>().is_err(), "{bad} should fail");
        }
    }

    #[test]
    fn formats_canonically() {
        for (text, expected) in [
            ("PT8H", "PT8H"),
            ("P365D", "P365D"),
            ("PT90M", "PT1H30M"),
            ("P1DT2H", "P1DT2H"),
            ("PT0S", "PT0S"),
            ("PT0.25S", "PT0.25S"),
        ] {
            assert_eq!(
                text.parse::<IsoDuration>()
                    .expect("valid test input")
                    .to_string(),
                expected
            );
        }
    }

    #[test]
    fn instants_with_and_without_fractions() {
        let a = parse_instant("2026-03-02T09:00:00Z").expect("valid test input");
        let b = parse_instant("2026-03-02T09:00:00.000Z").expect("valid test input");
        let c = parse_instant("2026-03-02T10:00:00+01:00").expect("valid test input");
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(format_instant(&a), "2026-03-02T09:00:00Z");
        assert!(parse_instant("2026-03-02T09:00:00").is_err());
        assert!(parse_instant("yesterday").is_err());
    }

    #[test]
    fn the_range_is_1970_to_8999() {
        for ok in [
            "1970-01-01T00:00:00Z",
            "2026-03-02T09:00:00Z",
            "8999-12-31T23:59:59Z",
        ] {
            let t = parse_instant(ok).expect("valid test input");
            assert_eq!(check_range(t), Ok(t), "{ok}");
        }
        for bad in [
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "1970-01-01T00:30:00+01:00",
            "9000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t = parse_instant(bad).expect("RFC 3339 itself accepts it");
            assert!(
                matches!(check_range(t), Err(TimeError::OutOfRange(_))),
                "{bad} should be out of range"
            );
        }
    }

    #[test]
    fn instants_parse_only_when_they_can_be_written_back() {
        // Found with the `wire` fuzz target's round trip: these parsed, then serialized as
        // `+10000-…` and `-0001-…`, which no RFC 3339 reader accepts.
        for text in ["9999-12-31T23:00:00-05:00", "0000-01-01T00:30:00+01:00"] {
            assert!(parse_instant(text).is_err(), "{text}");
        }
        for text in [
            "9999-12-31T23:59:59.5Z",
            "0000-01-01T00:00:00Z",
            "0000-01-01T01:00:00+01:00",
        ] {
            let t = parse_instant(text).expect("valid test input");
            assert_eq!(parse_instant(&format_instant(&t)), Ok(t), "{text}");
        }
    }
}
