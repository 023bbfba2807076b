//! Properties over generated input: parsing never panics; `not (e)` is the complement of
//! `e`; walking the nextLinks yields every filtered item once, in order; `$count` is the
//! number of filtered items.

use pim_odata::{Filter, page, parse};
use proptest::prelude::*;
use serde_json::Value;

mod common {
    pub mod odata_query;
}
use common::odata_query::{CAPS, URL, check, fixture};

/// A comparison over the fixture's properties.
fn comparison() -> impl Strategy<Value = String> {
    let property = prop::sample::select(vec![
        "principalId",
        "status",
        "createdDateTime",
        "priority",
        "isValidationOnly",
        "displayName",
        "scheduleInfo/expiration/endDateTime",
        "scheduleInfo/expiration/type",
    ]);
    let op = prop::sample::select(vec!["eq", "ne", "gt", "ge", "lt", "le"]);
    let literal = prop::sample::select(vec![
        "'user1'",
        "'AYMEN'",
        "'provisioned'",
        "'Request k'",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.000%2B00:00",
        "2025-12-31T23:59:59.9999999Z",
        "null",
        "true",
        "false",
        "0",
        "2",
        "3.5",
        "'afterDuration'",
    ]);
    let plain = (property, op, literal).prop_map(|(p, o, l)| format!("{p} {o} {l}"));
    let function = (
        prop::sample::select(vec!["startswith", "endswith", "contains"]),
        prop::sample::select(vec!["displayName", "status", "principalId"]),
        prop::sample::select(vec!["'re'", "'K'", "'d'", "''"]),
    )
        .prop_map(|(f, p, l)| format!("{f}({p},{l})"));
    let lambda = (
        prop::sample::select(vec!["any", "all"]),
        prop::sample::select(vec![
            "t/id eq 'r1'",
            "t/type eq 'user'",
            "startswith(t/id,'r')",
        ]),
    )
        .prop_map(|(q, body)| format!("targetResources/{q}(t: {body})"));
    prop_oneof![3 => plain, 1 => function, 1 => lambda, 1 => Just("roles/any()".to_owned())]
}

/// Expressions of comparisons under `and`, `or`, `not` and parentheses.
fn expression() -> impl Strategy<Value = String> {
    comparison().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) or ({b})")),
            inner.clone().prop_map(|a| format!("not ({a})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

/// A whole query of filter, paging and ordering options.
fn query() -> impl Strategy<Value = String> {
    (
        prop::option::of(expression()),
        prop::option::of(1usize..=5),
        prop::option::of(0usize..14),
        any::<bool>(),
        prop::option::of(prop::sample::select(vec![
            "priority",
            "createdDateTime desc",
            "status,displayName desc",
            "scheduleInfo/expiration/endDateTime desc,priority",
        ])),
    )
        .prop_map(|(filter, top, skip, count, order)| {
            let mut parts = Vec::new();
            if let Some(f) = filter {
                parts.push(format!("$filter={}", f.replace(' ', "%20")));
            }
            if let Some(t) = top {
                parts.push(format!("$top={t}"));
            }
            if let Some(s) = skip {
                parts.push(format!("$skip={s}"));
            }
            if count {
                parts.push("$count=true".to_owned());
            }
            if let Some(o) = order {
                parts.push(format!("$orderby={o}"));
            }
            parts.join("&")
        })
}

/// The committed fuzz seeds, read once.
fn seeds() -> &'static [String] {
    static SEEDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/odata_query");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .collect()
    })
}

/// One edit of a seed: at a position (a fraction of its length), delete some characters
/// and insert a piece of OData syntax.
fn edit() -> impl Strategy<Value = (f64, usize, &'static str)> {
    let piece = prop::sample::select(vec![
        "",
        " ",
        "(",
        ")",
        "'",
        "''",
        ",",
        "/",
        ":",
        "&",
        "=",
        "%",
        "%20",
        "%2B",
        "$",
        "not ",
        " and ",
        " or ",
        " eq ",
        " gt ",
        "null",
        "true",
        "any(",
        "all(",
        "t: t/",
        "$top=",
        "$skip=",
        "$skiptoken=",
        "$filter=",
        "$expand=",
        "$select=",
        "$orderby=",
        "$count=true",
        " desc",
        "99",
        "-",
        "2026-01-01T00:00:00Z",
        ";",
        "é",
        "\u{0}",
    ]);
    (0.0..1.0f64, 0usize..4, piece)
}

proptest! {
    // Minimal failures are kept as plain tests (paging.rs) and corpus files, not in a
    // regressions file.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(512),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn parsing_arbitrary_strings_never_panics(text in ".{0,300}") {
        check(text.as_bytes());
        let _ = Filter::parse(&text, &CAPS);
    }

    #[test]
    fn edited_seeds_keep_every_promise(seed in any::<prop::sample::Index>(), edits in prop::collection::vec(edit(), 1..6)) {
        let seeds = seeds();
        prop_assume!(!seeds.is_empty());
        let mut text: Vec<char> = seeds[seed.index(seeds.len())].chars().collect();
        for (at, delete, piece) in edits {
            // The fraction picks a position; truncation is the point.
            let at = ((text.len() as f64) * at) as usize;
            let end = (at + delete).min(text.len());
            text.splice(at..end, piece.chars());
        }
        let text: String = text.into_iter().collect();
        check(text.as_bytes());
    }

    #[test]
    fn parsing_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&bytes);
    }

    #[test]
    fn generated_queries_parse_and_keep_every_promise(query in query()) {
        prop_assert!(parse(&query, &CAPS).is_ok(), "{query}");
        check(query.as_bytes());
    }

    #[test]
    fn not_is_the_complement(e in expression()) {
        let decoded = e.replace("%2B", "+");
        let filter = Filter::parse(&decoded, &CAPS).map_err(|err| TestCaseError::fail(format!("{decoded}: {err}")))?;
        let negated = Filter::parse(&format!("not ({decoded})"), &CAPS).map_err(|err| TestCaseError::fail(err.to_string()))?;
        for item in fixture() {
            prop_assert_ne!(filter.matches(&item), negated.matches(&item));
        }
    }

    #[test]
    fn count_is_the_number_of_filtered_items(e in expression()) {
        let query = format!("$filter={}&$count=true&$top=1", e.replace(' ', "%20"));
        let opts = parse(&query, &CAPS).map_err(|err| TestCaseError::fail(format!("{query}: {err}")))?;
        let filter = opts.filter.clone().ok_or_else(|| TestCaseError::fail("no filter"))?;
        let kept = fixture().iter().filter(|i| filter.matches(i)).count();
        let answer = page(fixture(), &opts, &CAPS, URL, &query);
        prop_assert_eq!(answer.count, Some(kept));
        prop_assert_eq!(answer.value.len(), kept.min(1));
    }

    #[test]
    fn walking_next_links_yields_each_filtered_item_once_in_order(e in expression(), top in 1usize..=5) {
        let query = format!("$filter={}&$top={top}&$orderby=priority desc", e.replace(' ', "%20"));
        let opts = parse(&query, &CAPS).map_err(|err| TestCaseError::fail(format!("{query}: {err}")))?;
        let filter = opts.filter.clone().ok_or_else(|| TestCaseError::fail("no filter"))?;
        // Expected independently of `order`: priority descending, ties in fixture order.
        let mut expected: Vec<Value> = fixture().into_iter().filter(|i| filter.matches(i)).collect();
        expected.sort_by_key(|i| std::cmp::Reverse(i["priority"].as_u64()));
        let expected: Vec<&str> = expected.iter().filter_map(|i| i["id"].as_str()).collect();
        let mut seen: Vec<String> = Vec::new();
        let mut current = query.clone();
        for _ in 0..=fixture().len() {
            let opts = parse(&current, &CAPS).map_err(|err| TestCaseError::fail(err.to_string()))?;
            let answer = page(fixture(), &opts, &CAPS, URL, &current);
            seen.extend(answer.value.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)));
            match answer.next_link {
                Some(link) => current = link.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default(),
                None => break,
            }
        }
        prop_assert_eq!(seen, expected);
    }
}
