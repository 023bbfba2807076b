//! The CI smoke run of the fuzz targets: every committed corpus file under
//! `fuzz/corpus/<target>/` goes through the same checks the target makes (`fuzz/src/checks`,
//! compiled here through `#[path]`), with neither cargo-fuzz nor nightly flags nor a second
//! build of the crates. It lives in pim-guest because the ABI targets call the guest's
//! dispatch and exports, and pim-guest is the one crate that sees both it and pim-core.

use std::path::PathBuf;

#[path = "../../../fuzz/src/checks/mod.rs"]
#[allow(
    dead_code,
    reason = "shared with the fuzz targets, which use all of it"
)]
mod checks;

/// The corpus files of one target, sorted; fails when there are none.
fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus", dir.display());
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

/// Runs `check` on every file of `target`'s corpus, naming the file that breaks a promise.
fn replay(target: &str, check: fn(&[u8])) {
    for (path, bytes) in corpus(target) {
        let outcome = std::panic::catch_unwind(|| check(&bytes));
        assert!(
            outcome.is_ok(),
            "{target}: {} breaks a promise",
            path.display()
        );
    }
}

#[test]
fn wire_corpus() {
    replay("wire", checks::wire::check);
}

#[test]
fn scenario_corpus() {
    replay("scenario", checks::scenario::check);
}

#[test]
fn abi_call_corpus() {
    replay("abi_call", checks::abi_call::check);
}

#[test]
fn abi_check_corpus() {
    replay("abi_check", checks::abi_check::check);
}
