//! Reading a property path out of a JSON item.

use serde_json::Value;

static NULL: Value = Value::Null;

/// The value at `segments` below `value`: each segment is looked up exactly, then
/// case-insensitively; a missing property, or a step through a non-object, is null.
pub(crate) fn lookup<'a, 's>(
    value: &'a Value,
    segments: impl IntoIterator<Item = &'s str>,
) -> &'a Value {
    segments
        .into_iter()
        .try_fold(value, |value, segment| {
            let object = value.as_object()?;
            object.get(segment).or_else(|| {
                object
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(segment))
                    .map(|(_, v)| v)
            })
        })
        .unwrap_or(&NULL)
}

/// Whether `name` is an OData simple identifier: a letter or `_`, then letters, digits, `_`.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
