//! Fuzz target `scenario`: see fuzz/README.md and `pim_fuzz::checks::scenario`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pim_fuzz::checks::scenario::check(data));
