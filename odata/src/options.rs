//! The query string: which system query options it holds, each parsed and checked against
//! the collection's [`Capabilities`].

use crate::capabilities::resolve;
use crate::property::is_identifier;
use crate::{Capabilities, Filter, QueryError, expand, skiptoken};

/// The longest query string accepted, in bytes (before percent-decoding).
pub const MAX_QUERY_LEN: usize = 8192;

/// The query options of one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryOptions {
    /// `$filter`.
    pub filter: Option<Filter>,
    /// `$select`, in the capabilities' spelling when they list `selectable`; `None` when
    /// absent or `*`.
    pub select: Option<Vec<String>>,
    /// `$top`: the page size asked for, 1..=`max_top`.
    pub top: Option<usize>,
    /// `$skip`: the items to skip before the first page (0 when absent).
    pub skip: usize,
    /// The position a valid `$skiptoken` resumes at; it replaces `skip`.
    pub skip_token: Option<usize>,
    /// `$count=true`.
    pub count: bool,
    /// `$orderby` keys, most significant first.
    pub order_by: Vec<OrderBy>,
    /// `$expand`.
    pub expand: Vec<Expand>,
    /// The parameters that are not system query options, percent-decoded, in order: left to
    /// the caller.
    pub other: Vec<(String, String)>,
}

/// One `$orderby` key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// The property path, `/`-separated, in the capabilities' spelling.
    pub path: String,
    /// `desc`.
    pub descending: bool,
}

/// One `$expand` item.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Expand {
    /// The navigation property, in the capabilities' spelling.
    pub property: String,
    /// The options in its parentheses, e.g. `policy($expand=rules)`: only `$select` and
    /// `$expand` are accepted there.
    pub options: QueryOptions,
}

/// A system query option this crate knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SystemOption {
    Filter,
    Select,
    Top,
    Skip,
    SkipToken,
    Count,
    OrderBy,
    Expand,
    /// Known to OData or Graph, refused here (`$search`, `$format`, …).
    Unsupported,
}

/// The system query option `key` names (`$` optional, any case), or `None` for a
/// parameter left to the caller. A `$`-name this crate does not know is `Unsupported`.
pub(crate) fn system_option(key: &str) -> Option<SystemOption> {
    let (dollar, name) = match key.strip_prefix('$') {
        Some(name) => (true, name),
        None => (false, key),
    };
    let option = match name.to_ascii_lowercase().as_str() {
        "filter" => SystemOption::Filter,
        "select" => SystemOption::Select,
        "top" => SystemOption::Top,
        "skip" => SystemOption::Skip,
        "skiptoken" => SystemOption::SkipToken,
        "count" => SystemOption::Count,
        "orderby" => SystemOption::OrderBy,
        "expand" => SystemOption::Expand,
        "search" | "format" | "apply" | "compute" | "deltatoken" => SystemOption::Unsupported,
        _ if dollar => SystemOption::Unsupported,
        _ => return None,
    };
    Some(option)
}

/// Parses the query string of a request (without the `?`, which is also tolerated).
///
/// # Errors
/// A `BadRequest` [`QueryError`] for an unsupported or repeated option, an option whose
/// value is malformed or asks for what `caps` does not allow, a bad `$skiptoken`, or a query
/// longer than [`MAX_QUERY_LEN`].
pub fn parse(raw_query: &str, caps: &Capabilities<'_>) -> Result<QueryOptions, QueryError> {
    let raw = raw_query.strip_prefix('?').unwrap_or(raw_query);
    if raw.len() > MAX_QUERY_LEN {
        return Err(QueryError::bad_request(format!(
            "The query string is {} bytes long; at most {MAX_QUERY_LEN} are accepted.",
            raw.len()
        )));
    }
    let mut opts = QueryOptions::default();
    let mut seen = Vec::new();
    let mut token = None;
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        let Some(option) = system_option(&key) else {
            opts.other.push((key.into_owned(), value.into_owned()));
            continue;
        };
        if seen.contains(&option) && option != SystemOption::Unsupported {
            return Err(QueryError::bad_request(format!(
                "Query option '{key}' was specified more than once, but it must be specified at most once."
            )));
        }
        seen.push(option);
        if option == SystemOption::SkipToken {
            token = Some(value);
            continue;
        }
        apply(&mut opts, option, &key, &value, caps)?;
    }
    if let Some(token) = token {
        opts.skip_token = Some(skiptoken::decode(&token, raw)?);
    }
    Ok(opts)
}

/// Sets the option `key=value` (all but `$skiptoken`, which needs the whole query).
fn apply(
    opts: &mut QueryOptions,
    option: SystemOption,
    key: &str,
    value: &str,
    caps: &Capabilities<'_>,
) -> Result<(), QueryError> {
    match option {
        SystemOption::Filter => opts.filter = Some(Filter::parse(value, caps)?),
        SystemOption::Select => opts.select = parse_select(value, caps.selectable)?,
        SystemOption::Top => opts.top = Some(parse_top(value, caps.max_top)?),
        SystemOption::Skip => opts.skip = parse_count_of(key, value)?,
        SystemOption::Count => opts.count = parse_count(value, caps.count)?,
        SystemOption::OrderBy => opts.order_by = parse_order_by(value, caps.orderable)?,
        SystemOption::Expand => opts.expand = expand::parse(value, caps.expandable)?,
        SystemOption::SkipToken | SystemOption::Unsupported => {
            return Err(QueryError::bad_request(format!(
                "The query option '{key}' is not supported on this collection."
            )));
        }
    }
    Ok(())
}

/// `$select`: a comma list of property names, or `*`.
pub(crate) fn parse_select(
    value: &str,
    selectable: &[&str],
) -> Result<Option<Vec<String>>, QueryError> {
    let mut names: Vec<String> = Vec::new();
    for item in value.split(',').map(str::trim) {
        if item == "*" {
            return Ok(None);
        }
        if !is_identifier(item) {
            return Err(QueryError::bad_request(format!(
                "Invalid $select item '{item}': a comma-separated list of property names is expected."
            )));
        }
        let name = if selectable.is_empty() {
            item.to_owned()
        } else {
            let found = selectable.iter().find(|s| s.eq_ignore_ascii_case(item));
            let Some(found) = found else {
                return Err(QueryError::bad_request(format!(
                    "Could not find a property named '{item}' on this collection's type."
                )));
            };
            (*found).to_owned()
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(Some(names))
}

fn parse_top(value: &str, max_top: usize) -> Result<usize, QueryError> {
    match value.trim().parse::<usize>() {
        Ok(top) if (1..=max_top).contains(&top) => Ok(top),
        _ => Err(QueryError::bad_request(format!(
            "Invalid value '{value}' for $top: an integer from 1 to {max_top} is expected."
        ))),
    }
}

/// A non-negative integer option (`$skip`).
fn parse_count_of(key: &str, value: &str) -> Result<usize, QueryError> {
    value.trim().parse::<usize>().map_err(|_| {
        QueryError::bad_request(format!(
            "Invalid value '{value}' for {key}: a non-negative integer is expected."
        ))
    })
}

fn parse_count(value: &str, supported: bool) -> Result<bool, QueryError> {
    let wanted = match value.trim().to_ascii_lowercase().as_str() {
        "true" => true,
        "false" => false,
        _ => {
            return Err(QueryError::bad_request(format!(
                "Invalid value '{value}' for $count: true or false is expected."
            )));
        }
    };
    if wanted && !supported {
        return Err(QueryError::bad_request(
            "The query option '$count' is not supported on this collection.",
        ));
    }
    Ok(wanted)
}

/// `$orderby`: a comma list of `path [asc|desc]`.
fn parse_order_by(value: &str, orderable: &[&str]) -> Result<Vec<OrderBy>, QueryError> {
    value
        .split(',')
        .map(|item| order_key(item, orderable))
        .collect()
}

fn order_key(item: &str, orderable: &[&str]) -> Result<OrderBy, QueryError> {
    let words: Vec<&str> = item.split_whitespace().collect();
    let descending = match words.as_slice() {
        [_] => false,
        [_, dir] if dir.eq_ignore_ascii_case("asc") => false,
        [_, dir] if dir.eq_ignore_ascii_case("desc") => true,
        _ => {
            return Err(QueryError::bad_request(format!(
                "Invalid $orderby item '{}': 'property [asc|desc]' is expected.",
                item.trim()
            )));
        }
    };
    let segments: Vec<&str> = words[0].split('/').collect();
    let resolved = segments
        .iter()
        .all(|s| is_identifier(s))
        .then(|| resolve(orderable, &segments))
        .flatten();
    let Some(path) = resolved else {
        return Err(QueryError::bad_request(format!(
            "The property '{}' is not supported in $orderby on this collection.",
            words[0]
        )));
    };
    Ok(OrderBy {
        path: path.join("/"),
        descending,
    })
}
