//! pim's activation-window rule (`#pim.activationWindowRule`): the days of the week and hours,
//! in local time of an IANA time zone, in which an activation of the role may start, and local
//! dates on which it may not. The rule bounds the start only: an activation that starts inside
//! a window runs its whole granted duration (see docs/semantics.md).

use alloc::string::String;
use alloc::vec::Vec;

use chrono::{Datelike, NaiveDate, Timelike, Weekday};

use crate::policy::PolicyError;
use crate::time::Instant;
use crate::time_zone::{self, Zone};
use crate::wire::{ActivationWindowFields, DayOfWeek, OutsideWindow};

/// The most windows one rule may list.
pub const MAX_WINDOWS: usize = 50;
/// The most excluded dates one rule may list.
pub const MAX_EXCLUDED_DATES: usize = 1000;
/// Seconds in a day: the end of a window that closes at midnight (`24:00`).
const DAY: u32 = 86_400;

/// One weekly window, read: a set of weekdays and a span of local seconds since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyWindow {
    /// Bit `n` set: open on the weekday `n` days after Monday.
    days: u8,
    /// Opens at this second of the local day.
    start: u32,
    /// Closes at this second (exclusive); at most 86,400.
    end: u32,
}

/// `Pim_ActivationWindow_EndUser_Assignment`, validated: the zone resolved, times and dates read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationWindowSetting {
    /// The zone the windows and dates are read in.
    pub zone: Zone,
    /// The weekly windows; empty: any time of any day.
    pub windows: Vec<DailyWindow>,
    /// Local dates on which no window opens, as listed (searched in order: no sort code in the
    /// browser module for at most 1,000 dates).
    pub excluded_dates: Vec<NaiveDate>,
    /// What an activation outside every window gets.
    pub outside_window: OutsideWindow,
}

impl ActivationWindowSetting {
    /// Reads and range-checks the rule's fields; `None` when the rule restricts nothing (no
    /// windows and no excluded dates).
    pub fn read(f: &ActivationWindowFields) -> Result<Option<Self>, PolicyError> {
        let zone = time_zone::find(&f.time_zone)
            .ok_or_else(|| PolicyError::UnknownTimeZone(f.time_zone.clone()))?;
        if f.windows.len() > MAX_WINDOWS {
            return Err(PolicyError::TooManyWindows(f.windows.len()));
        }
        if f.excluded_dates.len() > MAX_EXCLUDED_DATES {
            return Err(PolicyError::TooManyExcludedDates(f.excluded_dates.len()));
        }
        let mut windows = Vec::with_capacity(f.windows.len());
        for w in &f.windows {
            let start = seconds(&w.start_time, false)?;
            let end = seconds(&w.end_time, true)?;
            if start >= end {
                return Err(PolicyError::EmptyWindow(
                    w.start_time.clone(),
                    w.end_time.clone(),
                ));
            }
            let days = w
                .days_of_week
                .iter()
                .fold(0u8, |set, d| set | bit(day_index(*d)));
            if days == 0 {
                return Err(PolicyError::WindowWithoutDays);
            }
            windows.push(DailyWindow { days, start, end });
        }
        let mut excluded_dates = Vec::with_capacity(f.excluded_dates.len());
        for d in &f.excluded_dates {
            let date = date(d).ok_or_else(|| PolicyError::InvalidExcludedDate(d.clone()))?;
            excluded_dates.push(date);
        }
        if windows.is_empty() && excluded_dates.is_empty() {
            return Ok(None);
        }
        Ok(Some(ActivationWindowSetting {
            zone,
            windows,
            excluded_dates,
            outside_window: f.outside_window,
        }))
    }

    /// Whether an activation may start at `start`: its local date is not excluded and, when
    /// there are windows, its local weekday and time fall in one of them. An instant the zone
    /// cannot place is outside.
    pub fn admits(&self, start: Instant) -> bool {
        let Some(local) = self.zone.local(start) else {
            return false;
        };
        if self.excluded_dates.contains(&local.date()) {
            return false;
        }
        let day = bit(local.weekday().num_days_from_monday());
        let second = local.num_seconds_from_midnight();
        self.windows.is_empty()
            || self
                .windows
                .iter()
                .any(|w| w.days & day != 0 && w.start <= second && second < w.end)
    }
}

fn bit(n: u32) -> u8 {
    1u8.checked_shl(n).unwrap_or(0)
}

/// A calendar date written `YYYY-MM-DD`.
fn date(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split('-');
    let mut field = |len: usize| -> Option<u32> {
        let p = parts.next()?;
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let (y, m, d) = (field(4)?, field(2)?, field(2)?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

fn day_index(d: DayOfWeek) -> u32 {
    let w = match d {
        DayOfWeek::Monday => Weekday::Mon,
        DayOfWeek::Tuesday => Weekday::Tue,
        DayOfWeek::Wednesday => Weekday::Wed,
        DayOfWeek::Thursday => Weekday::Thu,
        DayOfWeek::Friday => Weekday::Fri,
        DayOfWeek::Saturday => Weekday::Sat,
        _ => Weekday::Sun,
    };
    w.num_days_from_monday()
}

/// Seconds since local midnight of `HH:MM` or `HH:MM:SS` (Graph's `timeOfDay` may add a
/// fraction of zeros, `08:00:00.0000000`); `24:00` only as an end.
fn seconds(text: &str, is_end: bool) -> Result<u32, PolicyError> {
    let bad = || PolicyError::InvalidWindowTime(String::from(text));
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    if !fraction.bytes().all(|b| b == b'0') || (text.contains('.') && fraction.is_empty()) {
        return Err(bad());
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let field = |i: usize| -> Result<u32, PolicyError> {
        let p = parts.get(i).ok_or_else(bad)?;
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse().map_err(|_| bad())
    };
    let (h, m) = (field(0)?, field(1)?);
    let s = match parts.len() {
        2 if fraction.is_empty() && !text.contains('.') => 0,
        3 => field(2)?,
        _ => return Err(bad()),
    };
    if m > 59 || s > 59 || h > 24 || (h == 24 && (m, s) != (0, 0)) || (h == 24 && !is_end) {
        return Err(bad());
    }
    let total = h
        .checked_mul(3600)
        .and_then(|x| x.checked_add(m.checked_mul(60)?))
        .and_then(|x| x.checked_add(s))
        .ok_or_else(bad)?;
    if total > DAY {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;
    use crate::wire::ActivationWindow;
    use alloc::vec;

    fn at(t: &str) -> Instant {
        parse_instant(t).expect("test instant")
    }

    fn office(zone: &str) -> ActivationWindowFields {
        ActivationWindowFields {
            time_zone: zone.into(),
            windows: vec![ActivationWindow {
                days_of_week: vec![
                    DayOfWeek::Monday,
                    DayOfWeek::Tuesday,
                    DayOfWeek::Wednesday,
                    DayOfWeek::Thursday,
                    DayOfWeek::Friday,
                ],
                start_time: "08:00".into(),
                end_time: "18:00".into(),
            }],
            excluded_dates: vec!["2026-12-24".into()],
            outside_window: OutsideWindow::Deny,
        }
    }

    #[test]
    fn times_of_day_are_read_strictly() {
        assert_eq!(seconds("08:00", false), Ok(8 * 3600));
        assert_eq!(seconds("17:59:59", false), Ok(17 * 3600 + 59 * 60 + 59));
        assert_eq!(seconds("08:00:00.0000000", false), Ok(8 * 3600));
        assert_eq!(seconds("24:00", true), Ok(DAY));
        for bad in [
            "24:00", "25:00", "8:00", "08:60", "08:00:60", "08", "08:00.5", "x",
        ] {
            assert!(seconds(bad, false).is_err(), "{bad}");
        }
        assert!(seconds("24:01", true).is_err());
        assert!(seconds("08:00.", true).is_err());
    }

    #[test]
    fn berlin_office_hours_follow_the_clock_change() {
        let s = ActivationWindowSetting::read(&office("Europe/Berlin"))
            .expect("valid")
            .expect("restricts");
        // Friday 27 March 2026, CET (UTC+1): 17:59 local is 16:59Z.
        assert!(s.admits(at("2026-03-27T16:59:00Z")));
        assert!(!s.admits(at("2026-03-27T17:00:00Z")));
        // Monday 30 March 2026, CEST (UTC+2): 17:59 local is 15:59Z.
        assert!(s.admits(at("2026-03-30T15:59:00Z")));
        assert!(!s.admits(at("2026-03-30T16:00:00Z")));
        assert!(s.admits(at("2026-03-30T06:00:00Z")));
        assert!(!s.admits(at("2026-03-30T05:59:59Z")));
        // Thursday 24 December 2026 is excluded; Wednesday the 23rd is not.
        assert!(!s.admits(at("2026-12-24T10:00:00Z")));
        assert!(s.admits(at("2026-12-23T10:00:00Z")));
        // Saturday.
        assert!(!s.admits(at("2026-03-28T10:00:00Z")));
    }

    #[test]
    fn bad_settings_are_typed_errors_and_an_empty_rule_is_inert() {
        let read = ActivationWindowSetting::read;
        assert_eq!(read(&ActivationWindowFields::default()), Ok(None));
        assert_eq!(
            read(&office("Europe/Atlantis")),
            Err(PolicyError::UnknownTimeZone("Europe/Atlantis".into()))
        );
        let mut f = office("UTC");
        f.windows[0].end_time = "08:00".into();
        assert!(matches!(read(&f), Err(PolicyError::EmptyWindow(..))));
        f.windows[0].end_time = "25:00".into();
        assert_eq!(
            read(&f),
            Err(PolicyError::InvalidWindowTime("25:00".into()))
        );
        let mut f = office("UTC");
        f.windows[0].days_of_week.clear();
        assert_eq!(read(&f), Err(PolicyError::WindowWithoutDays));
        let mut f = office("UTC");
        assert_eq!(date("2026-12-24"), NaiveDate::from_ymd_opt(2026, 12, 24));
        for bad in ["2026-2-03", "2026-02-03-1", "20260203", "2026-13-01"] {
            assert_eq!(date(bad), None, "{bad}");
        }
        f.excluded_dates = vec!["2026-02-30".into()];
        assert_eq!(
            read(&f),
            Err(PolicyError::InvalidExcludedDate("2026-02-30".into()))
        );
    }
}
