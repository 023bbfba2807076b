//! Fuzz target `wire`: see fuzz/README.md and `pim_fuzz::checks::wire`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pim_fuzz::checks::wire::check(data));
