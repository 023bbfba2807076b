#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod clock;
pub mod export;
pub mod graph;
pub mod graph_folder;
pub mod guest;
pub mod http;
pub mod metrics;
pub mod outbox;
pub mod scenario;
pub mod serve;
pub mod service;
pub mod store;
pub mod trusted_time;

pub use clock::{Clock, ManualClock, SystemClock};
pub use guest::{CheckCode, Guest, GuestError, GuestInstance, Limits};
pub use service::{IntegrityFault, Refusal, Service, ServiceError};
pub use store::{
    AnyStore, Chain, ChainHead, ClockWitness, Database, MemoryStore, PostgresStore, Snapshot,
    SqliteStore, Store, StoreError, StoreOptions,
};
pub use trusted_time::{ManualMonotonic, Monotonic, SystemMonotonic, TrustedTime};
