//! Fuzz target `odata_query`: see fuzz/README.md. The bytes are a raw query string for
//! pim-odata; the check is shared with pim-odata's `fuzz_corpus` test.
#![no_main]

#[path = "../../odata/tests/common/odata_query.rs"]
mod odata_query;

libfuzzer_sys::fuzz_target!(|data: &[u8]| odata_query::check(data));
