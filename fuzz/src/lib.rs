//! The bodies of pim's fuzz targets. `checks` is also compiled into pim-guest's
//! `fuzz_corpus` test (through `#[path]`), so the committed corpora are replayed through the
//! same assertions by a plain `cargo test`, without cargo-fuzz or nightly flags.

pub mod checks;
