//! Answering a collection request: filter, order, count, page and project.

use std::cmp::Ordering;

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;

use crate::compare::SortKey;
use crate::{Capabilities, OrderBy, QueryOptions, property, skiptoken};

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The items of this page, projected by `$select`.
    pub value: Vec<Value>,
    /// `@odata.nextLink`, when items remain after this page.
    pub next_link: Option<String>,
    /// `@odata.count` (the filtered collection's size), when `$count=true`.
    pub count: Option<usize>,
}

/// Filters, orders, counts, pages and projects `items`; `self_url` is the collection's
/// absolute URL (without query), used to build `@odata.nextLink` that keeps every other
/// option as `raw_query` has it and carries a `$skiptoken`.
///
/// The page size is `$top`, or `caps.default_page` without it, never over `caps.max_top`;
/// the page starts at the `$skiptoken`'s position, or at `$skip`. A `nextLink` is given
/// whenever items remain after the page, with or without `$top` (Graph's paging: `$top` is
/// the page size, not a limit on the whole result).
#[must_use]
pub fn page(
    items: Vec<Value>,
    opts: &QueryOptions,
    caps: &Capabilities<'_>,
    self_url: &str,
    raw_query: &str,
) -> Page {
    let mut items = match &opts.filter {
        Some(filter) => items.into_iter().filter(|i| filter.matches(i)).collect(),
        None => items,
    };
    order(&mut items, &opts.order_by);
    let total = items.len();
    let size = opts
        .top
        .unwrap_or(caps.default_page)
        .clamp(1, caps.max_top.max(1));
    let start = opts.skip_token.unwrap_or(opts.skip).min(total);
    let end = start.saturating_add(size).min(total);
    let next_link = (end < total).then(|| next_link(self_url, raw_query, end));
    let value = items
        .drain(start..end)
        .map(|item| project(item, opts))
        .collect();
    Page {
        value,
        next_link,
        count: opts.count.then_some(total),
    }
}

/// Sorts `items` by the `$orderby` keys; stable, so items that tie keep their order.
pub fn order(items: &mut Vec<Value>, order_by: &[OrderBy]) {
    if order_by.is_empty() {
        return;
    }
    let mut keyed: Vec<(Vec<SortKey>, Value)> = items
        .drain(..)
        .map(|item| {
            let keys = order_by
                .iter()
                .map(|key| SortKey::of(property::lookup(&item, key.path.split('/'))))
                .collect();
            (keys, item)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        a.iter()
            .zip(b)
            .zip(order_by)
            .map(|((x, y), key)| if key.descending { y.cmp(x) } else { x.cmp(y) })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    items.extend(keyed.into_iter().map(|(_, item)| item));
}

/// `item` reduced to the `$select`ed properties, `id`, the `@odata.*` annotations and the
/// `$expand`ed navigation properties; unchanged without `$select` or when it is not an
/// object.
#[must_use]
pub fn project(item: Value, opts: &QueryOptions) -> Value {
    let Some(select) = &opts.select else {
        return item;
    };
    let mut object = match item {
        Value::Object(object) => object,
        other => return other,
    };
    object.retain(|key, _| {
        key == "id"
            || key.starts_with("@odata.")
            || select.iter().any(|s| s.eq_ignore_ascii_case(key))
            || opts
                .expand
                .iter()
                .any(|e| e.property.eq_ignore_ascii_case(key))
    });
    Value::Object(object)
}

/// The bytes a kept query parameter must not carry raw in a URL (`%` stays: the parameter
/// is already percent-encoded as the client sent it). `?` is legal in a query but is
/// encoded too: a parameter starting with it, first in the link, would read as the `?`
/// that starts the query.
const UNSAFE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'?')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// `self_url` with `raw_query`'s parameters but its `$skiptoken`, then a `$skiptoken`
/// resuming at `offset`.
fn next_link(self_url: &str, raw_query: &str, offset: usize) -> String {
    let raw = raw_query.strip_prefix('?').unwrap_or(raw_query);
    let mut parts: Vec<String> = raw
        .split('&')
        .filter(|part| !part.is_empty())
        .filter(|part| {
            form_urlencoded::parse(part.as_bytes())
                .next()
                .is_none_or(|(key, _)| !skiptoken::is_skiptoken(&key))
        })
        .map(|part| utf8_percent_encode(part, UNSAFE).to_string())
        .collect();
    parts.push(format!("$skiptoken={}", skiptoken::encode(raw, offset)));
    let separator = if self_url.contains('?') { '&' } else { '?' };
    format!("{self_url}{separator}{}", parts.join("&"))
}
