//! How two JSON values compare, shared by `$filter` and `$orderby`.
//!
//! Strings compare case-insensitively (Unicode lowercase, character by character), as Graph's
//! directory compares them; strings that are both RFC 3339 instants compare as instants;
//! numbers compare by value whatever their JSON spelling.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Number, Value};

use crate::filter::parse_instant;

pub(crate) fn fold_lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

pub(crate) fn fold_cmp(a: &str, b: &str) -> Ordering {
    a.chars()
        .flat_map(char::to_lowercase)
        .cmp(b.chars().flat_map(char::to_lowercase))
}

pub(crate) fn fold_eq(a: &str, b: &str) -> bool {
    fold_cmp(a, b) == Ordering::Equal
}

pub(crate) fn number_cmp(a: &Number, b: &Number) -> Ordering {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x.cmp(&y);
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x.cmp(&y);
    }
    let x = a.as_f64().unwrap_or(f64::NAN);
    let y = b.as_f64().unwrap_or(f64::NAN);
    x.total_cmp(&y)
}

/// One value's place in `$orderby`'s total order: null first, then booleans, numbers,
/// instants, other strings, and arrays and objects (by their JSON text) last.
#[derive(Debug, Clone)]
pub(crate) enum SortKey {
    Null,
    Bool(bool),
    Number(Number),
    Instant(DateTime<Utc>, String),
    Text(String, String),
    Other(String),
}

impl SortKey {
    pub(crate) fn of(value: &Value) -> Self {
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Number(n.clone()),
            Value::String(s) => match parse_instant(s) {
                Some(instant) => Self::Instant(instant.with_timezone(&Utc), s.clone()),
                None => Self::Text(fold_lower(s), s.clone()),
            },
            other => Self::Other(other.to_string()),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Self::Null => 0,
            Self::Bool(_) => 1,
            Self::Number(_) => 2,
            Self::Instant(..) => 3,
            Self::Text(..) => 4,
            Self::Other(_) => 5,
        }
    }
}

impl Ord for SortKey {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            // By their `f64` values, then by their text: a total order, which sorting needs
            // (mixing exact integer and `f64` comparisons could break transitivity).
            (Self::Number(a), Self::Number(b)) => {
                let (x, y) = (
                    a.as_f64().unwrap_or(f64::NAN),
                    b.as_f64().unwrap_or(f64::NAN),
                );
                x.total_cmp(&y)
                    .then_with(|| a.to_string().cmp(&b.to_string()))
            }
            (Self::Instant(a, x), Self::Instant(b, y)) => a.cmp(b).then_with(|| x.cmp(y)),
            (Self::Text(a, x), Self::Text(b, y)) => a.cmp(b).then_with(|| x.cmp(y)),
            (Self::Other(a), Self::Other(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for SortKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortKey {}
