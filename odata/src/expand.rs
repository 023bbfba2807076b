//! `$expand`: navigation properties with optional nested options, e.g.
//! `principal,roleDefinition` or `policy($expand=rules)`.

use crate::options::{SystemOption, parse_select, system_option};
use crate::property::is_identifier;
use crate::{Expand, QueryError, QueryOptions};

/// The deepest nesting of `$expand` inside `$expand` accepted.
pub const MAX_EXPAND_DEPTH: usize = 4;

/// Parses a top-level `$expand` value.
pub(crate) fn parse(value: &str, expandable: &[&str]) -> Result<Vec<Expand>, QueryError> {
    parse_level(value, expandable, &[], 1)
}

/// One `$expand` list, below the navigation path `parent` (empty at the top).
fn parse_level(
    value: &str,
    expandable: &[&str],
    parent: &[&str],
    depth: usize,
) -> Result<Vec<Expand>, QueryError> {
    if depth > MAX_EXPAND_DEPTH {
        return Err(QueryError::bad_request(format!(
            "$expand nests deeper than {MAX_EXPAND_DEPTH} levels."
        )));
    }
    let mut expands: Vec<Expand> = Vec::new();
    for item in split_top_level(value, ',')? {
        let expand = parse_item(item.trim(), expandable, parent, depth)?;
        if expands.iter().any(|e| e.property == expand.property) {
            return Err(QueryError::bad_request(format!(
                "The navigation property '{}' appears more than once in $expand.",
                expand.property
            )));
        }
        expands.push(expand);
    }
    Ok(expands)
}

fn parse_item(
    item: &str,
    expandable: &[&str],
    parent: &[&str],
    depth: usize,
) -> Result<Expand, QueryError> {
    let (name, nested) = match item.split_once('(') {
        Some((name, rest)) => match rest.strip_suffix(')') {
            Some(inner) => (name.trim(), Some(inner)),
            None => return Err(malformed(item)),
        },
        None => (item, None),
    };
    if !is_identifier(name) {
        return Err(malformed(item));
    }
    let mut path = parent.to_vec();
    path.push(name);
    let listed = expandable.iter().find(|entry| {
        let segments: Vec<&str> = entry.split('/').collect();
        segments.len() == path.len()
            && segments
                .iter()
                .zip(&path)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    });
    let Some(listed) = listed else {
        return Err(QueryError::bad_request(format!(
            "The navigation property '{}' cannot be expanded on this collection.",
            path.join("/")
        )));
    };
    let property = listed.rsplit('/').next().unwrap_or(listed).to_owned();
    let options = match nested {
        Some(inner) => parse_nested(inner, expandable, &path, depth)?,
        None => QueryOptions::default(),
    };
    Ok(Expand { property, options })
}

fn malformed(item: &str) -> QueryError {
    QueryError::bad_request(format!(
        "Invalid $expand item '{item}': 'property' or 'property(options)' is expected."
    ))
}

/// The `;`-separated options inside an item's parentheses: `$select` and `$expand` only.
fn parse_nested(
    inner: &str,
    expandable: &[&str],
    path: &[&str],
    depth: usize,
) -> Result<QueryOptions, QueryError> {
    let mut opts = QueryOptions::default();
    let mut seen = Vec::new();
    for part in split_top_level(inner, ';')? {
        let Some((key, value)) = part.split_once('=') else {
            return Err(malformed(part));
        };
        let key = key.trim();
        let option = system_option(key);
        if option.is_some() && seen.contains(&option) {
            return Err(QueryError::bad_request(format!(
                "Query option '{key}' was specified more than once inside $expand."
            )));
        }
        seen.push(option);
        match option {
            Some(SystemOption::Select) => opts.select = parse_select(value, &[])?,
            Some(SystemOption::Expand) => {
                opts.expand = parse_level(value, expandable, path, depth + 1)?;
            }
            _ => {
                return Err(QueryError::bad_request(format!(
                    "The query option '{key}' is not supported inside $expand (only $select and $expand are)."
                )));
            }
        }
    }
    Ok(opts)
}

/// `text` split at `separator` outside parentheses and quotes; refuses unbalanced ones.
fn split_top_level(text: &str, separator: char) -> Result<Vec<&str>, QueryError> {
    let mut parts = Vec::new();
    let (mut depth, mut quoted, mut start) = (0usize, false, 0);
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth = depth.checked_sub(1).ok_or_else(|| unbalanced(text))?;
            }
            c if c == separator && !quoted && depth == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    if depth != 0 || quoted {
        return Err(unbalanced(text));
    }
    parts.push(&text[start..]);
    Ok(parts)
}

fn unbalanced(text: &str) -> QueryError {
    QueryError::bad_request(format!(
        "Invalid $expand '{text}': its parentheses or quotes are unbalanced."
    ))
}
