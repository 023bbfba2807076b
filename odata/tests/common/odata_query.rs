//! What must hold for any query string, shared by the `odata_query` fuzz target
//! (`fuzz/fuzz_targets/odata_query.rs`) and pim-odata's `fuzz_corpus` and `properties`
//! tests. `check` takes the bytes as a raw query string against a fixture collection and
//! panics, saying which promise broke, when one does; a query that is merely refused is fine.

use pim_odata::{Capabilities, Filter, QueryOptions, order, page, parse, project};
use serde_json::{Value, json};

/// The fixture collection's capabilities: small pages, so paging is exercised.
pub const CAPS: Capabilities<'static> = Capabilities {
    filterable: &[
        "id",
        "principalId",
        "roleDefinitionId",
        "status",
        "createdDateTime",
        "scheduleInfo",
        "targetResources",
        "isValidationOnly",
        "priority",
        "displayName",
        "roles",
    ],
    orderable: &[
        "createdDateTime",
        "status",
        "principalId",
        "priority",
        "displayName",
        "scheduleInfo/expiration/endDateTime",
    ],
    expandable: &["principal", "roleDefinition", "policy", "policy/rules"],
    selectable: &[],
    count: true,
    max_top: 5,
    default_page: 3,
};

/// The collection's URL, as a host would pass it.
pub const URL: &str =
    "https://pim.example/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";

/// Twelve request-shaped items: mixed case, instants in several spellings, missing and
/// null properties, arrays for the lambdas.
#[must_use]
pub fn fixture() -> Vec<Value> {
    let statuses = ["Provisioned", "PendingApproval", "revoked", "Canceled"];
    let instants = [
        "2026-01-01T00:00:00Z",
        "2026-01-01T01:00:00+01:00",
        "2026-03-15T12:30:00.123Z",
        "2025-12-31T23:59:59.9999999Z",
    ];
    (0..12)
        .map(|i| {
            let mut item = json!({
                "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
                "id": format!("{i:08x}-9323-42fd-ade2-1d097af3e4de"),
                "principalId": if i % 3 == 0 { "Aymen" } else { "user1" },
                "roleDefinitionId": if i % 2 == 0 { "29232cdf-9323-42fd-ade2-1d097af3e4de" } else { "62e90394-69f5-4237-9190-012177145e10" },
                "status": statuses[i % 4],
                "createdDateTime": instants[i % 4],
                "priority": (i * 7) % 5,
                "isValidationOnly": i % 5 == 0,
                "scheduleInfo": {"expiration": {"type": "afterDuration", "endDateTime": if i % 2 == 0 { Value::Null } else { json!(instants[(i + 1) % 4]) }}},
                "targetResources": (0..i % 3).map(|j| json!({"id": format!("r{j}"), "type": if j == 0 { "User" } else { "Role" }})).collect::<Vec<_>>(),
                "roles": if i % 4 == 1 { json!(["Reader", "Writer"]) } else { json!([]) },
            });
            if i % 6 != 5 {
                item["displayName"] = json!(format!("Request {}", (b'a' + (i as u8 * 5) % 26) as char));
            }
            item
        })
        .collect()
}

/// The promises for the raw query `data` over [`fixture`].
pub fn check(data: &[u8]) {
    let query = String::from_utf8_lossy(data);
    match parse(&query, &CAPS) {
        Err(error) => {
            assert_eq!(error.code, "BadRequest", "a refusal is a BadRequest");
            assert!(!error.message.is_empty(), "a refusal says why");
        }
        Ok(opts) => {
            let items = fixture();
            complement(&opts, &items);
            equalities(&opts, &items);
            walk(&query, &opts, &items);
        }
    }
}

/// `not (e)` holds exactly where `e` does not.
fn complement(opts: &QueryOptions, items: &[Value]) {
    let Some(filter) = &opts.filter else { return };
    match Filter::parse(&format!("not ({})", filter.as_str()), &CAPS) {
        Ok(negated) => {
            for item in items {
                assert_ne!(
                    negated.matches(item),
                    filter.matches(item),
                    "not (e) against e on {item}"
                );
            }
        }
        Err(error) => assert!(
            error.message.contains("at most") || error.message.contains("deeper"),
            "the negation of a valid filter is refused only past a limit: {}",
            error.message
        ),
    }
}

/// Every item the filter keeps satisfies each pushed-down equality.
fn equalities(opts: &QueryOptions, items: &[Value]) {
    let Some(filter) = &opts.filter else { return };
    for (path, literal) in filter.equalities() {
        let text = match literal {
            Value::String(s) => format!("'{}'", s.replace('\'', "''")),
            other => other.to_string(),
        };
        let term = Filter::parse(&format!("{path} eq {text}"), &CAPS)
            .unwrap_or_else(|e| panic!("the equality {path} eq {text} parses: {e}"));
        for item in items.iter().filter(|i| filter.matches(i)) {
            assert!(
                term.matches(item),
                "{path} eq {text} holds where the filter does: {item}"
            );
        }
    }
}

/// Following `@odata.nextLink` from this query yields the filtered, ordered items from the
/// start position, each once, in order, with `@odata.count` on every page.
fn walk(query: &str, opts: &QueryOptions, items: &[Value]) {
    let mut expected: Vec<Value> = items
        .iter()
        .filter(|i| opts.filter.as_ref().is_none_or(|f| f.matches(i)))
        .cloned()
        .collect();
    order(&mut expected, &opts.order_by);
    let total = expected.len();
    let start = opts.skip_token.unwrap_or(opts.skip).min(total);
    let expected: Vec<Value> = expected.drain(start..).map(|i| project(i, opts)).collect();
    let size = opts.top.unwrap_or(CAPS.default_page);

    let mut seen = Vec::new();
    let mut current = (query.to_owned(), opts.clone());
    for _ in 0..=items.len() {
        let (raw, opts) = &current;
        let page = page(items.to_vec(), opts, &CAPS, URL, raw);
        assert!(page.value.len() <= size, "a page holds at most its size");
        assert_eq!(
            page.count,
            opts.count.then_some(total),
            "@odata.count is the filtered size"
        );
        seen.extend(page.value.iter().cloned());
        let Some(link) = page.next_link else { break };
        assert_eq!(page.value.len(), size, "a page before a nextLink is full");
        let next = link
            .strip_prefix(URL)
            .and_then(|rest| rest.strip_prefix('?'))
            .unwrap_or_else(|| panic!("the nextLink {link} extends the collection's URL"))
            .to_owned();
        let next_opts =
            parse(&next, &CAPS).unwrap_or_else(|e| panic!("the nextLink {link} parses: {e}"));
        assert!(
            next_opts.skip_token.is_some(),
            "the nextLink carries a $skiptoken"
        );
        current = (next, next_opts);
    }
    assert_eq!(
        seen, expected,
        "the pages hold the filtered items once, in order"
    );
}
