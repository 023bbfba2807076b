//! Fuzz target `abi_check`: see fuzz/README.md and `pim_fuzz::checks::abi_check`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pim_fuzz::checks::abi_check::check(data));
