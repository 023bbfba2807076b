//! The CI smoke run of the `odata_query` fuzz target: every committed file under
//! `fuzz/corpus/odata_query/` goes through the same check the target makes
//! (`tests/common/odata_query.rs`), without cargo-fuzz or nightly flags.

use std::path::PathBuf;

mod common {
    pub mod odata_query;
}

#[test]
fn odata_query_corpus() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/odata_query");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{} holds {} files",
        dir.display(),
        files.len()
    );
    for path in files {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let outcome = std::panic::catch_unwind(|| common::odata_query::check(&bytes));
        assert!(outcome.is_ok(), "{} breaks a promise", path.display());
    }
}
