//! Assignment schedules: eligible and active assignments and activations, each a window in time
//! at a scope.

use crate::id::{PrincipalId, RequestId, RoleDefinitionId, ScheduleId, ScopeId};
use alloc::format;
use serde::{Deserialize, Serialize};

use crate::time::Instant;
pub use crate::wire::AssignmentType;

wire_enum! {
    /// How an active schedule came to be (Graph's `assignmentType`).
    pub enum Origin {
        /// Assigned by an administrator, or present when the tenant was loaded.
        Assigned => "Assigned",
        /// Activated from an eligibility.
        Activated => "Activated",
    }
}

wire_enum! {
    /// Why a schedule ended before or at its end.
    pub enum EndReason {
        /// Its end passed.
        Expired => "expired",
        /// The principal deactivated it.
        Deactivated => "deactivated",
        /// An administrator removed it.
        Removed => "removed",
        /// The eligibility it was activated from ended or was removed.
        EligibilityEnded => "eligibilityEnded",
        /// The request that scheduled it was canceled before it started.
        Canceled => "canceled",
    }
}

/// One eligible or active assignment, or one activation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schedule {
    /// Id.
    pub id: ScheduleId,
    /// Eligible or active.
    pub kind: AssignmentType,
    /// Assigned or activated.
    pub origin: Origin,
    /// Who holds it.
    pub principal_id: PrincipalId,
    /// Which role.
    pub role_definition_id: RoleDefinitionId,
    /// Normalised scope: a directory scope (`/`, `/administrativeUnits/{id}`) or `app:{appScopeId}`.
    pub scope: ScopeId,
    /// When it starts.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// When it ends; `None` is permanent.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
    /// For activations: the eligibility schedule activated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_using: Option<ScheduleId>,
    /// For activations of a group's eligibility: that group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_group: Option<PrincipalId>,
    /// The request that created it; `None` when it existed when the tenant was loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
    /// Why it ended, once it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<EndReason>,
    /// Made in the directory outside PIM (reported by the directory, not requested).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub outside_pim: bool,
    /// A break-glass activation (pim's `Pim_BreakGlass_EndUser_Assignment`).
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub break_glass: bool,
}

impl Schedule {
    /// An assigned (not activated) eligible or active schedule, not ended, made inside PIM
    /// when it has a request.
    pub fn assigned(
        id: ScheduleId,
        kind: AssignmentType,
        principal_id: &str,
        role_definition_id: &str,
        scope: ScopeId,
        (start_date_time, end_date_time): (Instant, Option<Instant>),
        request_id: Option<RequestId>,
    ) -> Schedule {
        Schedule {
            id,
            kind,
            origin: Origin::Assigned,
            principal_id: principal_id.into(),
            role_definition_id: role_definition_id.into(),
            scope,
            start_date_time,
            end_date_time,
            activated_using: None,
            via_group: None,
            request_id,
            ended: None,
            outside_pim: false,
            break_glass: false,
        }
    }

    /// Whether the schedule is in effect at `now`.
    pub fn in_effect(&self, now: Instant) -> bool {
        self.start_date_time <= now && self.end_date_time.is_none_or(|e| now < e)
    }

    /// Whether the schedule has not ended yet at `now` (it may not have started).
    pub fn not_over(&self, now: Instant) -> bool {
        self.end_date_time.is_none_or(|e| now < e)
    }

    /// Whether the window overlaps `[start, end)`.
    pub fn overlaps(&self, start: Instant, end: Option<Instant>) -> bool {
        end.is_none_or(|e| self.start_date_time < e) && self.end_date_time.is_none_or(|e| start < e)
    }

    /// `permanent` or `timebound`, as Entra's audit activity names say.
    pub fn duration_word(&self) -> &'static str {
        if self.end_date_time.is_some() {
            "timebound"
        } else {
            "permanent"
        }
    }

    /// The directory scope id, for Graph output.
    pub fn directory_scope_id(&self) -> Option<&str> {
        (!self.scope.starts_with("app:")).then_some(self.scope.as_str())
    }

    /// The app scope id, for Graph output.
    pub fn app_scope_id(&self) -> Option<&str> {
        self.scope.strip_prefix("app:")
    }
}

/// Normalises Graph's pair of scopes into one string.
pub fn normalise_scope(
    directory_scope_id: Option<&str>,
    app_scope_id: Option<&str>,
) -> Result<ScopeId, &'static str> {
    match (directory_scope_id, app_scope_id) {
        (Some(_), Some(_)) => Err("give `directoryScopeId` or `appScopeId`, not both"),
        (None, None) => Ok(ScopeId::from("/")),
        (Some(d), None) => check_scope(d).map(ScopeId::from),
        (None, Some(a)) => check_scope(a).map(|a| ScopeId::from(format!("app:{a}"))),
    }
}

fn check_scope(s: &str) -> Result<&str, &'static str> {
    if !s.starts_with('/') {
        return Err("a scope id must start with `/`");
    }
    if s.len() > 1 && s.ends_with('/') {
        return Err("a scope id must not end with `/`");
    }
    if s.len() > 512 {
        return Err("a scope id must not exceed 512 characters");
    }
    if s.len() > 1 && !plain_path(s) {
        return Err("a scope id must not contain empty, `.` or `..` segments");
    }
    Ok(s)
}

/// Whether a role held at scope `held` applies at scope `asked`: the tenant scope `/` covers
/// everything, `app:/` covers every app scope, and a scope covers the paths below it.
pub fn scope_covers(held: &str, asked: &str) -> bool {
    if held == asked {
        return true;
    }
    // A path that climbs (`..`) or hides (`.`, `//`) could name another scope below a held one.
    if !plain_path(asked.strip_prefix("app:").unwrap_or(asked)) {
        return false;
    }
    if held == "/" {
        return true;
    }
    if held == "app:/" {
        return asked.starts_with("app:");
    }
    asked
        .strip_prefix(held)
        .is_some_and(|rest| rest.starts_with('/'))
}

/// Whether every segment of a path is a real name: no empty, `.` or `..` segments. Allocates
/// nothing.
fn plain_path(path: &str) -> bool {
    path == "/"
        || path.strip_prefix('/').is_some_and(|rest| {
            rest.split('/')
                .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_containment() {
        assert!(scope_covers("/", "/administrativeUnits/au1"));
        assert!(scope_covers("/", "app:/x"));
        assert!(scope_covers(
            "/administrativeUnits/au1",
            "/administrativeUnits/au1"
        ));
        assert!(scope_covers(
            "/administrativeUnits/au1",
            "/administrativeUnits/au1/users/u"
        ));
        assert!(!scope_covers(
            "/administrativeUnits/au1",
            "/administrativeUnits/au10"
        ));
        assert!(!scope_covers("/administrativeUnits/au1", "/"));
        assert!(scope_covers("app:/", "app:/apps/1"));
        assert!(!scope_covers("app:/apps/1", "/"));
        assert!(!scope_covers(
            "/administrativeUnits/au1",
            "/administrativeUnits/au1/../au2"
        ));
        assert!(!scope_covers("/", "/administrativeUnits//x"));
        assert!(!scope_covers("/", "/a/./b"));
        assert!(normalise_scope(Some("/a/../b"), None).is_err());
        assert!(normalise_scope(Some("/a/b"), None).is_ok());
    }
}
