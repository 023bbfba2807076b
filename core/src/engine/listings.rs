//! Listings: the schedules, requests, role definitions, principals and role settings a Graph
//! client pages through, narrowed by the fields such clients filter on. Unlike the other
//! queries a listing may visit every item of its kind; each filter that has an index (the
//! principal) uses it.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::directory::{Principal, RoleDefinition};
use crate::id::{PrincipalId, RoleDefinitionId};
use crate::policy::Policy;
use crate::request::RequestRecord;
use crate::schedule::{AssignmentType, Schedule};
use crate::time::Instant;
use crate::wire::RequestKind;

wire_enum! {
    /// Which schedules a listing shows, by where they stand at `now`.
    #[derive(Default)]
    pub enum ScheduleWindow {
        /// Not ended and not over: in effect now or starting later (Graph's schedules).
        #[default]
        Current => "current",
        /// In effect now (Graph's schedule instances).
        InEffect => "inEffect",
        /// Every schedule, ended and expired ones included.
        All => "all",
    }
}

/// Filters for a schedule listing; every given field must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScheduleFilter {
    /// Schedules this principal holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<PrincipalId>,
    /// With `principalId`: also the schedules of the groups the principal is in.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub through_groups: bool,
    /// Schedules of this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<RoleDefinitionId>,
    /// Eligible or active schedules.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AssignmentType>,
    /// Which schedules by where they stand now (default `current`).
    #[serde(default)]
    pub window: ScheduleWindow,
}

/// Filters for a request listing; every given field must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestFilter {
    /// Assignment or eligibility requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RequestKind>,
    /// Requests for this principal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<PrincipalId>,
}

/// A group's direct members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GroupMembers {
    /// The group.
    pub group_id: PrincipalId,
    /// Its direct members, by id.
    pub members: Vec<PrincipalId>,
}

/// The directory as a listing: every principal, and each group's direct members, by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DirectoryListing {
    /// Users, groups and service principals.
    pub principals: Vec<Principal>,
    /// The members of each group that has any.
    pub members: Vec<GroupMembers>,
}

impl ScheduleWindow {
    fn admits(self, s: &Schedule, now: Instant) -> bool {
        match self {
            ScheduleWindow::All => true,
            ScheduleWindow::Current => s.ended.is_none() && s.not_over(now),
            ScheduleWindow::InEffect => {
                s.ended.is_none() && s.start_date_time <= now && s.not_over(now)
            }
        }
    }
}

impl Engine {
    /// The schedules matching `filter` at `now`, in creation order (a principal's own before
    /// those of its groups).
    pub fn list_schedules(&self, filter: &ScheduleFilter, now: Instant) -> Vec<Schedule> {
        let keep = |s: &Schedule| {
            filter
                .role_definition_id
                .as_ref()
                .is_none_or(|r| &s.role_definition_id == r)
                && filter.kind.is_none_or(|k| s.kind == k)
                && filter.window.admits(s, now)
        };
        let Some(principal) = filter.principal_id.as_deref() else {
            return self.state.schedules().filter(keep).collect();
        };
        let mut out: Vec<Schedule> = self.state.schedules_of(principal).filter(keep).collect();
        if filter.through_groups {
            for group in self.state.directory().groups_of(principal) {
                out.extend(self.state.schedules_of(group).filter(keep));
            }
        }
        out
    }

    /// The schedule requests matching `filter`, in submission order, each with its status at
    /// `now`.
    pub fn list_requests(&self, filter: &RequestFilter, now: Instant) -> Vec<RequestRecord> {
        self.state
            .requests()
            .iter()
            .filter(|r| filter.kind.is_none_or(|k| r.kind == k))
            .filter(|r| {
                filter
                    .principal_id
                    .as_ref()
                    .is_none_or(|p| &r.principal_id == p)
            })
            .map(|r| {
                let mut r = r.clone();
                r.status = self.state.effective_status(&r, now);
                r
            })
            .collect()
    }

    /// Every role definition the tenant knows (built-in and loaded), by id.
    pub fn role_definitions(&self) -> Vec<RoleDefinition> {
        let mut out: Vec<RoleDefinition> = self.state.directory().roles().cloned().collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// Every principal and each group's direct members, by id.
    pub fn directory_listing(&self) -> DirectoryListing {
        let directory = self.state.directory();
        let mut principals: Vec<Principal> = directory.principals().cloned().collect();
        principals.sort_by(|a, b| a.id.cmp(&b.id));
        let members = principals
            .iter()
            .filter(|p| !directory.direct_members(&p.id).is_empty())
            .map(|g| GroupMembers {
                group_id: g.id.clone(),
                members: directory.direct_members(&g.id).to_vec(),
            })
            .collect();
        DirectoryListing {
            principals,
            members,
        }
    }

    /// The directory objects among `ids` the tenant knows, in the order asked.
    pub fn principals(&self, ids: &[PrincipalId]) -> Vec<Principal> {
        ids.iter()
            .filter_map(|id| self.state.directory().principal(id))
            .cloned()
            .collect()
    }

    /// The role settings of every role: each policy set for it, and the tenant-wide (`/`) one
    /// in effect (Entra's defaults) where none was set there. By role, then scope.
    pub fn policies(&self) -> Vec<Policy> {
        let mut out = Vec::new();
        for role in self.role_definitions() {
            let set = self.state.policies_of(&role.id);
            if !set.iter().any(|p| p.scope_id == "/") {
                let mut default = self.state.policy(&role.id, "/").clone();
                default.role_definition_id = role.id.clone();
                out.push(default);
            }
            let mut set = set.to_vec();
            set.sort_by(|a, b| a.scope_id.cmp(&b.scope_id));
            out.extend(set);
        }
        out
    }
}
