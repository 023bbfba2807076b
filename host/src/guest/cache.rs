//! The machine-code cache beside the guest: `Module::serialize` output, loaded again by
//! `Module::deserialize_file` when the same wasmtime configuration meets the same bytes.
#![allow(
    unsafe_code,
    reason = "loading machine code this host compiled and wrote itself"
)]
use std::path::Path;
use wasmtime::{Engine, Module};

/// Loads a module this host serialized earlier. wasmtime checks the file's version and
/// configuration; the file name carries the digest of the wasm it came from.
pub(super) fn load(engine: &Engine, path: &Path) -> wasmtime::Result<Module> {
    // SAFETY: the file is written only by `Guest::from_file` (an atomic rename) from
    // `Module::serialize` in the host's own build directory; wasmtime verifies its header.
    unsafe { Module::deserialize_file(engine, path) }
}

/// Removes the machine code of earlier builds of `wasm` (any `.cwasm` beside it but `keep`).
pub(super) fn prune(wasm: &Path, keep: &Path) {
    let (Some(dir), Some(stem)) = (wasm.parent(), wasm.file_stem().and_then(|s| s.to_str())) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if p != keep && name.starts_with(&format!("{stem}.")) && name.ends_with(".cwasm") {
            let _ = std::fs::remove_file(&p);
        }
    }
}
