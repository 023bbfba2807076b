//! pim-host's integration tests: one binary (wasmtime style), one module per concern.
//!
//! They need pim_guest.wasm: run `scripts/build-guest.sh` first. A missing guest fails the
//! tests with that instruction; they never skip.

mod access;
mod auth;
mod clock;
mod common;
mod console;
mod events;
mod export;
mod forward_auth;
mod gateway;
mod governance;
mod graph_api;
mod graph_folder;
mod guest;
mod guest_wasmi;
mod integrity;
mod metrics;
mod notifications;
mod openapi;
mod postgres;
mod postgres_ha;
mod process;
mod scenarios;
mod store;
