//! The pages of a saved Graph list (`NAME.json`, `NAME.2.json`, …) and the files of the folder
//! the layout does not name.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{COLLECTIONS, FolderError, Item, Warnings};

/// One item of a page, with where it is.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) item: Item,
    pub(crate) value: Value,
}

impl Entry {
    /// An error about this item.
    pub(crate) fn error(&self, reason: impl Into<String>) -> FolderError {
        FolderError::Item {
            item: self.item.clone(),
            reason: reason.into(),
        }
    }
}

/// The file of page `number` (from 1) of list `name` in `dir`.
pub(crate) fn page_file(dir: &Path, name: &str, number: usize) -> PathBuf {
    match number {
        1 => dir.join(format!("{name}.json")),
        n => dir.join(format!("{name}.{n}.json")),
    }
}

/// Every item of list `name` in `dir`, page after page; no first page is an empty list. A page
/// with an `@odata.nextLink` must be followed by the next page's file. Adds each file read to
/// `read`.
pub(crate) fn read_list(
    dir: &Path,
    name: &str,
    read: &mut BTreeSet<PathBuf>,
) -> Result<Vec<Entry>, FolderError> {
    let mut entries = Vec::new();
    let mut number = 1;
    loop {
        let file = page_file(dir, name, number);
        if !file.is_file() {
            return Ok(entries);
        }
        let (value, next_link) = read_page(&file)?;
        entries.extend(value.into_iter().enumerate().map(|(i, value)| Entry {
            item: Item {
                file: file.clone(),
                position: i + 1,
                id: value.get("id").and_then(Value::as_str).map(String::from),
            },
            value,
        }));
        read.insert(file.clone());
        number += 1;
        let next = page_file(dir, name, number);
        if next_link && !next.is_file() {
            return Err(FolderError::MissingPage { page: file, next });
        }
    }
}

/// A page's `value`, and whether it has an `@odata.nextLink`.
fn read_page(file: &Path) -> Result<(Vec<Value>, bool), FolderError> {
    let text = std::fs::read_to_string(file).map_err(FolderError::io(file))?;
    // Windows PowerShell 5.1 writes `-Encoding utf8` with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let page: Value = serde_json::from_str(text).map_err(|error| FolderError::Json {
        path: file.to_owned(),
        error,
    })?;
    let not = |reason: &str| FolderError::NotACollection {
        path: file.to_owned(),
        reason: reason.into(),
    };
    let Value::Object(mut page) = page else {
        return Err(not("expected an object with a `value` array"));
    };
    let next_link = match page.get("@odata.nextLink") {
        None | Some(Value::Null) => false,
        Some(Value::String(_)) => true,
        Some(_) => return Err(not("`@odata.nextLink` is not a string")),
    };
    check_annotations(&page).map_err(|key| {
        not(&format!(
            "unexpected property `{key}` (a page holds `value` and `@odata.` annotations)"
        ))
    })?;
    match page.remove("value") {
        Some(Value::Array(items)) => Ok((items, next_link)),
        Some(_) => Err(not("`value` is not an array")),
        None => Err(not(
            "no `value` array (a single object rather than a list?)",
        )),
    }
}

/// Refuses a page with properties besides `value` and annotations: a single object saved in
/// place of a list would otherwise read as an empty one.
fn check_annotations(page: &Map<String, Value>) -> Result<(), String> {
    match page.keys().find(|k| *k != "value" && !k.contains('@')) {
        Some(key) => Err(key.clone()),
        None => Ok(()),
    }
}

/// Warns about each file under `dir` the import did not `read`: names the layout does not
/// have, pages after a gap in the numbering, member lists of groups `groups.json` lacks.
pub(crate) fn warn_unread(
    dir: &Path,
    read: &BTreeSet<PathBuf>,
    warnings: &mut Warnings,
) -> Result<(), FolderError> {
    for path in files_under(dir)? {
        if read.contains(&path) {
            continue;
        }
        let relative = path.strip_prefix(dir).unwrap_or(&path).to_owned();
        warnings.add(unread_reason(&relative), relative.display());
    }
    Ok(())
}

/// Why a file that was not read was not.
fn unread_reason(relative: &Path) -> &'static str {
    let parts: Vec<&str> = relative.iter().filter_map(|p| p.to_str()).collect();
    match parts.as_slice() {
        [file] if COLLECTIONS.iter().any(|c| is_page_of(file, c)) => {
            "not read: pages are numbered 2, 3, … without a gap"
        }
        ["groups", _, file] if is_page_of(file, "members") => {
            "not read: a member list of a group that groups.json does not hold, or a page after a gap"
        }
        _ => "not read: the folder layout has no such file",
    }
}

/// Whether `file` is `NAME.json` or `NAME.N.json`.
fn is_page_of(file: &str, name: &str) -> bool {
    let Some(rest) = file
        .strip_prefix(name)
        .and_then(|r| r.strip_suffix(".json"))
    else {
        return false;
    };
    rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Every file under `dir`, recursively, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(FolderError::io(&d))? {
            let path = entry.map_err(FolderError::io(&d))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_are_the_list_then_numbered_pages() {
        assert!(is_page_of("users.json", "users"));
        assert!(is_page_of("users.2.json", "users"));
        assert!(is_page_of("users.17.json", "users"));
        assert!(!is_page_of("users.x.json", "users"));
        assert!(!is_page_of("users..json", "users"));
        assert!(!is_page_of("usersX.json", "users"));
        assert!(!is_page_of("users.json.bak", "users"));
        assert_eq!(
            page_file(Path::new("d"), "users", 1),
            Path::new("d/users.json")
        );
        assert_eq!(
            page_file(Path::new("d"), "users", 3),
            Path::new("d/users.3.json")
        );
    }

    #[test]
    fn a_page_may_start_with_a_byte_order_mark() {
        let file = std::env::temp_dir().join(format!("pim-bom-{}.json", std::process::id()));
        std::fs::write(&file, "\u{feff}{\"value\": [{\"id\": \"u1\"}]}").expect("written");
        let page = read_page(&file);
        let _ = std::fs::remove_file(&file);
        let (items, next) = page.expect("a page");
        assert_eq!(items.len(), 1);
        assert!(!next);
    }

    #[test]
    fn a_page_holds_value_and_annotations_only() {
        let page = |v: Value| match v {
            Value::Object(m) => check_annotations(&m),
            _ => Ok(()),
        };
        assert!(page(serde_json::json!({"@odata.context": "x", "value": []})).is_ok());
        assert!(page(serde_json::json!({"value": [], "@odata.count": 1})).is_ok());
        assert!(page(serde_json::json!({"id": "u1", "displayName": "A"})).is_err());
    }
}
