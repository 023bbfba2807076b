//! What must hold for any input, one module per fuzz target. Each `check` takes the fuzzer's
//! bytes and panics (with a message saying which promise broke) when a promise is broken; bad
//! input that is merely refused is fine. The same functions replay the committed corpora in
//! pim-guest's `fuzz_corpus` test.

pub mod abi_call;
pub mod abi_check;
pub mod scenario;
pub mod wire;

mod fixture;
