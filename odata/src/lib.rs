//! OData query options over collections of JSON objects, as Microsoft Graph serves them:
//! `$filter`, `$select`, `$top`, `$skip`, `$skiptoken`/`@odata.nextLink`, `$count`,
//! `$orderby` and `$expand`.
//!
//! A host parses a request's query string against what the collection supports
//! ([`Capabilities`]) with [`parse`], answers a [`QueryError`] as Graph's 400 `BadRequest`,
//! fills any `$expand`ed navigation properties itself, and hands the items to [`page`],
//! which filters, orders, counts, pages and projects them:
//!
//! ```
//! use pim_odata::{Capabilities, page, parse};
//! use serde_json::json;
//!
//! let caps = Capabilities { filterable: &["status"], count: true, ..Capabilities::NONE };
//! let query = "$filter=status%20eq%20'Provisioned'&$top=1&$count=true";
//! let opts = parse(query, &caps).expect("a supported query");
//! let items = vec![
//!     json!({"id": "a", "status": "Provisioned"}),
//!     json!({"id": "b", "status": "Revoked"}),
//!     json!({"id": "c", "status": "provisioned"}),
//! ];
//! let url = "https://pim.example/v1.0/roleManagement/directory/roleAssignmentScheduleRequests";
//! let first = page(items, &opts, &caps, url, query);
//! assert_eq!(first.count, Some(2));
//! assert_eq!(first.value, vec![json!({"id": "a", "status": "Provisioned"})]);
//! assert!(first.next_link.is_some_and(|link| link.contains("$skiptoken=")));
//! ```
//!
//! # What it follows, and what it chose where Graph is silent
//!
//! The rules come from Graph's [query parameters](https://learn.microsoft.com/graph/query-parameters),
//! [`$filter`](https://learn.microsoft.com/graph/filter-query-parameter) and
//! [paging](https://learn.microsoft.com/graph/paging) pages, and from
//! [OData 4.01 URL conventions](https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html).
//!
//! - **Option names** are case-insensitive and the `$` is optional (`$top`, `$TOP`, `top`),
//!   as OData 4.01 requires and Graph's beta endpoint does. An option given twice (also as
//!   `$top` and `top`) is refused. `$search`, `$format`, `$apply`, `$compute`, `$deltatoken`
//!   and any other `$` name are refused, never ignored, so no client gets a silently
//!   unfiltered result. Other parameters are left to the caller in
//!   [`QueryOptions::other`]. Values are percent-decoded with `+` as a space (Graph's own
//!   example encodes `startswith(givenName,+'J')`), so an offset's `+` must be sent as `%2B`.
//! - **`$filter`**: `eq ne gt ge lt le`, `and or not`, parentheses; precedence `not` over the
//!   comparisons over `and` over `or`. So `not a eq b` would be `(not a) eq b`, which
//!   Graph's parser refuses for a non-boolean `a`; without a schema this crate refuses `not`
//!   as a comparison's operand always: write `not (a eq b)`. Literals: `'text'` with `''` for a quote, numbers, `true`, `false`,
//!   `null`, unquoted GUIDs, unquoted RFC 3339 instants and dates. Functions `startswith`,
//!   `endswith`, `contains`; lambdas `path/any(x: …)`, `path/any()` (non-empty) and
//!   `path/all(x: …)`, nested up to [`MAX_LAMBDAS`] deep. Keywords and function names are
//!   case-insensitive.
//!   Properties are paths (`initiatedBy/user/id`) that `filterable` must list (or a path
//!   above them); anything else is refused naming the property. Inside a lambda, paths from
//!   its variable range over the elements of a listed collection and are allowed.
//!   Comparison: strings case-insensitively (Graph's directory compares `eq` that way; `gt`
//!   and the rest fold case the same way so `ge and le` is `eq`), strings that are both
//!   RFC 3339 instants as instants (`2026-01-01T00:00:00Z eq 2026-01-01T01:00:00.000+01:00`),
//!   numbers by value; a missing property is null; comparing values of different kinds with
//!   `gt`/`ge`/`lt`/`le` is false, and `ne` is always the negation of `eq`. Conditions are
//!   two-valued (true or not), so `not e` holds exactly when `e` does not; `any`/`all` over a
//!   missing or non-array property are false. A hostile expression is refused, never run
//!   long: at most [`MAX_FILTER_LEN`] bytes and [`MAX_DEPTH`] nesting levels; the query at
//!   most [`MAX_QUERY_LEN`] bytes.
//! - **`$select`**: a comma list of property names, or `*`. The projection keeps them,
//!   `id`, every `@odata.*` annotation, and the `$expand`ed navigation properties. A name
//!   `selectable` does not list is refused as Graph refuses a property its type does not
//!   declare ("Could not find a property named …"); an empty `selectable` accepts any name.
//!   Paths (`a/b`) are refused.
//! - **`$top`** is the page size, 1..=`max_top` (0 or more is refused); **`$skip`** skips
//!   that many filtered, ordered items. Without `$top` a page holds `default_page` items.
//!   Whenever items remain after the page a `@odata.nextLink` is given, carrying every other
//!   parameter as the client sent it and a `$skiptoken` (see [`QueryOptions::skip_token`];
//!   its encoding binds it to the rest of the query, so a token altered or moved to another
//!   query is refused). Paging is by position over the collection as it is at each request:
//!   an item added or removed between two pages can shift the rest by one.
//! - **`$count=true`** gives the number of items the filter keeps, before paging, on every
//!   page (OData's rule; Graph's directory objects give it on the first page only), and is
//!   refused where `count` is false.
//! - **`$orderby`**: `path [asc|desc]`, several keys; paths `orderable` must list. Null
//!   sorts first ascending (OData's rule); values of different kinds sort null, booleans,
//!   numbers, instants, strings (case-insensitively, ties by exact text), then arrays and
//!   objects. The sort is stable: ties keep the order the host gave.
//! - **`$expand`**: a comma list of navigation properties that `expandable` lists, each
//!   with optional `(…)` holding `;`-separated `$select` and `$expand`
//!   (`policy($expand=rules)`, listed as `policy/rules`); other nested options are refused,
//!   and nesting stops at [`MAX_EXPAND_DEPTH`]. This crate only parses it; the host fills
//!   the expanded objects.
//!
//! # Why a hand parser
//!
//! Of the OData crates on crates.io, `odata-params` (the most complete `$filter` parser)
//! has no `any`/`all` lambdas, which Graph's `targetResources/any(…)` needs, and brings a
//! PEG generator, big decimals, time zones and UUIDs; the others are tied to a framework
//! (DataFusion, a service kit). The grammar Graph uses is small; a recursive-descent parser
//! of a few hundred lines, fuzzed, keeps the dependencies to `serde_json`, `chrono` and the
//! URL decoding crates.

mod capabilities;
mod compare;
mod error;
mod expand;
mod filter;
mod options;
mod paging;
mod property;
mod skiptoken;

pub use capabilities::Capabilities;
pub use error::QueryError;
pub use expand::MAX_EXPAND_DEPTH;
pub use filter::{Filter, MAX_DEPTH, MAX_FILTER_LEN, MAX_LAMBDAS};
pub use options::{Expand, MAX_QUERY_LEN, OrderBy, QueryOptions, parse};
pub use paging::{Page, order, page, project};
