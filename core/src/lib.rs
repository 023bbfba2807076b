#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects
    )
)]

extern crate alloc;

#[macro_use]
mod wire_enum;

pub mod abi;
pub mod access;
pub mod activation_window;
mod alert_scan;
pub mod alerts;
pub mod audit;
pub mod directory;
pub mod duties;
mod engine;
mod error;
pub mod event;
pub mod id;
pub mod justification;
pub mod notify;
pub mod policy;
pub mod rate_limit;
pub mod request;
pub mod review;
pub mod scenario;
pub mod schedule;
pub mod settle;
mod state;
pub mod tenant;
pub mod time;
pub mod time_zone;
pub mod wire;

pub use access::{Access, AccessLevel};
pub use alerts::{Alert, AlertId};
pub use audit::AuditRecord;
pub use directory::Directory;
pub use engine::activation::{
    ActivationDecision, ActivationInput, EligibilityWindow, evaluate_activation,
};
pub use engine::{
    AuditFilter, CallContext, Check, Command, EXTEND_WINDOW, EligibleRole, Engine,
    MAX_ACTIVATION_LEAD, MAX_ID, MAX_JUSTIFICATION, MAX_TICKET, Outcome, Projections, Query,
    QueryResult, RENEW_WINDOW, RequestFilter, ScheduleFilter, ScheduleWindow, Via,
};
pub use engine::{DirectoryListing, GroupMembers};
pub use error::{ApplyError, CommandError, Decision, DecisionError, ErrorCode, FailedRule};
pub use event::{Event, LOG_FORMAT_VERSION};
pub use id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId, ScopeId};
pub use notify::Notification;
pub use policy::{MINIMUM_WINDOW, RoleSettings};
pub use request::{RequestRecord, Status};
pub use review::Review;
pub use schedule::Schedule;
pub use settle::{SettleError, Settled, Unsettled, settle};
pub use state::{REMINDER_DAYS, State};
pub use tenant::{SetupError, Tenant, TenantError};
pub use time::{Instant, IsoDuration};

/// Entra's built-in Global Administrator role definition id.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Entra's built-in Privileged Role Administrator role definition id.
pub const PRIVILEGED_ROLE_ADMINISTRATOR: &str = "e8611ab8-c189-46e8-94e1-60213ab1f814";
