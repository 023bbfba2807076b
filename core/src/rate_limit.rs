//! pim's rate-limit rule (`#pim.rateLimitRule`): at most N activations of a role by one
//! principal start within any sliding window, and a cool-down between one activation's end and
//! the next one's start.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::time::Instant;
use crate::wire::RateLimitFields;

/// An earlier (or scheduled) activation of the role by the same principal, at any scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PastActivation {
    /// When it started (or will start).
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// When it ended (deactivated or expired) or will end.
    #[serde(with = "crate::time::instant")]
    pub end_date_time: Instant,
}

/// Whether an activation from `start` to `end` breaks the rule, given the principal's other
/// activations of the role.
pub fn fails(
    rule: &RateLimitFields,
    past: &[PastActivation],
    start: Instant,
    end: Instant,
) -> bool {
    over_limit(rule, past, start) || in_cool_down(rule.cool_down_duration.delta(), past, start, end)
}

/// Whether adding a start at `start` puts more than the maximum in some window. The busiest
/// window of length w always ends at a start, so only windows `(p - w, p]` ending at the new
/// start, or at a later start less than w after it, can change.
fn over_limit(rule: &RateLimitFields, past: &[PastActivation], start: Instant) -> bool {
    let Some(max) = rule.maximum_activations else {
        return false;
    };
    let w = rule.window_duration.delta();
    let count = |p: Instant| {
        let inside = |t: Instant| t <= p && p.signed_duration_since(t) < w;
        let old = past.iter().filter(|a| inside(a.start_date_time)).count();
        old.saturating_add(usize::from(inside(start)))
    };
    let max = usize::try_from(max).unwrap_or(usize::MAX);
    let later = past
        .iter()
        .map(|a| a.start_date_time)
        .filter(|p| *p >= start && p.signed_duration_since(start) < w);
    core::iter::once(start).chain(later).any(|p| count(p) > max)
}

/// Whether `[start, end)` begins less than the cool-down after another activation ends, or ends
/// less than the cool-down before another begins.
fn in_cool_down(cool: TimeDelta, past: &[PastActivation], start: Instant, end: Instant) -> bool {
    if cool <= TimeDelta::zero() {
        return false;
    }
    past.iter().any(|a| {
        let after = a.end_date_time <= start && start.signed_duration_since(a.end_date_time) < cool;
        let before =
            a.start_date_time >= end && a.start_date_time.signed_duration_since(end) < cool;
        after || before
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{IsoDuration, parse_instant};
    use alloc::vec::Vec;

    fn at(t: &str) -> Instant {
        parse_instant(t).expect("test instant")
    }

    fn rule(max: u32, window_hours: i64, cool_minutes: i64) -> RateLimitFields {
        RateLimitFields {
            maximum_activations: Some(max),
            window_duration: IsoDuration::hours(window_hours),
            cool_down_duration: IsoDuration::minutes(cool_minutes),
        }
    }

    fn past(starts: &[&str]) -> Vec<PastActivation> {
        starts
            .iter()
            .map(|s| PastActivation {
                start_date_time: at(s),
                end_date_time: at(s) + TimeDelta::minutes(30),
            })
            .collect()
    }

    #[test]
    fn the_n_plus_first_start_in_a_window_fails() {
        let r = rule(2, 24, 0);
        let p = past(&["2026-03-02T09:00:00Z", "2026-03-02T12:00:00Z"]);
        let s = at("2026-03-03T08:59:59Z");
        assert!(fails(&r, &p, s, s + TimeDelta::hours(1)));
        let s = at("2026-03-03T09:00:00Z");
        assert!(!fails(&r, &p, s, s + TimeDelta::hours(1)));
    }

    #[test]
    fn an_earlier_start_may_crowd_a_later_window() {
        // A scheduled activation at 20:00 and one at 09:00: a third at 12:00 fills the window
        // ending at 20:00.
        let r = rule(2, 24, 0);
        let p = past(&["2026-03-02T09:00:00Z", "2026-03-02T20:00:00Z"]);
        let s = at("2026-03-02T12:00:00Z");
        assert!(fails(&r, &p, s, s + TimeDelta::hours(1)));
    }

    #[test]
    fn cool_down_runs_from_the_end() {
        let r = RateLimitFields {
            maximum_activations: None,
            ..rule(1, 1, 60)
        };
        let p = past(&["2026-03-02T09:00:00Z"]);
        let s = at("2026-03-02T10:29:59Z");
        assert!(fails(&r, &p, s, s + TimeDelta::hours(1)));
        let s = at("2026-03-02T10:30:00Z");
        assert!(!fails(&r, &p, s, s + TimeDelta::hours(1)));
        assert!(!fails(&RateLimitFields::default(), &p, s, s));
    }
}
