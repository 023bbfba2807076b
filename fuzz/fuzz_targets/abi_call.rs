//! Fuzz target `abi_call`: see fuzz/README.md and `pim_fuzz::checks::abi_call`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| pim_fuzz::checks::abi_call::check(data));
