//! The engine: state as a projection of the event log, commands that decide and emit events,
//! `tick` for what time alone causes, and queries.

pub mod activation;
mod admin;
mod alerting;
mod approval;
mod break_glass;
mod commands;
mod history;
mod index;
mod listings;
mod queries;
mod refusal;
mod reviewing;
mod tick;

use alloc::vec::Vec;

use crate::audit::{self, AuditRecord};
use crate::directory::Directory;
use crate::error::ApplyError;
use crate::event::Event;
#[cfg(feature = "notifications")]
use crate::notify;
use crate::notify::Notification;
use crate::policy::Policy;
use crate::schedule::AssignmentType;
use crate::state::State;
use crate::time::Instant;

pub use admin::{EXTEND_WINDOW, RENEW_WINDOW};
pub(crate) use break_glass::break_glass_review_id;
pub use commands::{
    CallContext, Command, MAX_ACTIVATION_LEAD, MAX_ID, MAX_JUSTIFICATION, MAX_TICKET, Outcome,
};
pub use listings::{DirectoryListing, GroupMembers, RequestFilter, ScheduleFilter, ScheduleWindow};
pub use queries::{AuditFilter, Check, EligibleRole, Query, QueryResult, Via};

/// Which derived records the engine builds and keeps as events are applied. The state and the
/// check index are always kept; audit records and notifications are projections a host that
/// only answers `check` (a gateway) can leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Projections {
    /// Keep one audit record per audited event ([`Engine::audit_log`]).
    pub audit: bool,
    /// Keep the notifications each event calls for ([`Engine::outbox`]). Always false in a
    /// build without pim-core's `notifications` feature.
    pub notifications: bool,
}

impl Projections {
    /// Every projection: what a reference host or a Node backend keeps.
    pub const ALL: Projections = Projections {
        audit: true,
        notifications: true,
    };
    /// None: what a gateway that only asks `check` needs.
    pub const CHECK_ONLY: Projections = Projections {
        audit: false,
        notifications: false,
    };
}

impl Default for Projections {
    fn default() -> Self {
        Projections::ALL
    }
}

/// The PIM engine: the tenant's [`State`], the check's index over it, and the audit and
/// notification projections. Pure: no clock, no I/O. Time is an argument of every call.
#[derive(Debug, Clone)]
pub struct Engine {
    state: State,
    grants: index::GrantIndex,
    audit: Vec<AuditRecord>,
    outbox: Vec<Notification>,
    projections: Projections,
    clock: Option<Instant>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An empty tenant that knows only Entra's built-in roles, keeping every projection.
    pub fn new() -> Self {
        Engine::with_projections(Projections::ALL)
    }

    /// An empty tenant that keeps only the given projections.
    pub fn with_projections(mut projections: Projections) -> Self {
        projections.notifications &= cfg!(feature = "notifications");
        Engine {
            state: State::new(),
            grants: index::GrantIndex::new(),
            audit: Vec::new(),
            outbox: Vec::new(),
            projections,
            clock: None,
        }
    }

    /// Rebuilds an engine from a log.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, ApplyError> {
        let mut engine = Engine::new();
        for e in events {
            engine.apply(e)?;
        }
        Ok(engine)
    }

    /// The tenant's state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Which projections this engine keeps.
    pub fn projections(&self) -> Projections {
        self.projections
    }

    /// The directory.
    pub fn directory(&self) -> &Directory {
        self.state.directory()
    }

    /// The latest time any applied event carried.
    pub fn clock(&self) -> Option<Instant> {
        self.clock
    }

    /// How many schedules (of any kind, ended or not) the engine holds.
    pub fn schedule_count(&self) -> usize {
        self.state.schedule_count() as usize
    }

    /// The role settings that govern `role` at `scope`: the policy set for that scope, else the
    /// tenant-wide (`/`) one, else Entra's defaults.
    pub fn policy(&self, role: &str, scope: &str) -> &Policy {
        self.state.policy(role, scope)
    }

    /// Every audit record, oldest first (empty when the audit projection is left out).
    pub fn audit_log(&self) -> &[AuditRecord] {
        &self.audit
    }

    /// Every notification so far, oldest first (empty when the projection is left out).
    pub fn outbox(&self) -> &[Notification] {
        &self.outbox
    }

    /// Applies one event. Events come from `execute` and `tick`; an event that does not fit the
    /// state (a corrupt or foreign log) is refused without changing anything. The projections
    /// are derived from the state as it was before the event, then the state changes.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        let records = if self.projections.audit {
            audit::records_for(&self.state, event, self.audit.len())
        } else {
            Vec::new()
        };
        #[cfg(feature = "notifications")]
        let notifications = if self.projections.notifications {
            notify::notifications_for(&self.state, event, self.outbox.len())
        } else {
            Vec::new()
        };
        // Only active schedules are in the check index: an eligible one is not made from its
        // row for nothing.
        if let Some(slot) = self.state.apply(event)?
            && self.state.schedule_kind(slot) == Some(AssignmentType::Active)
            && let Some(s) = self.state.schedule_at(slot)
        {
            self.grants.sync(slot, &s);
        }
        self.audit.extend(records);
        #[cfg(feature = "notifications")]
        self.outbox.extend(notifications);
        let at = event.at();
        if self.clock.is_none_or(|c| c < at) {
            self.clock = Some(at);
        }
        Ok(())
    }
}
