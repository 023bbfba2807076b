#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod abi;
mod dispatch;

pub use dispatch::{ABI_VERSION, Call, CheckCode, GuestState};
