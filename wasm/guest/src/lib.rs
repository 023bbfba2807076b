#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod abi;
mod dispatch;

pub use dispatch::GuestState;
pub use pim_core::abi::{ABI_VERSION, Call, CheckCode};
