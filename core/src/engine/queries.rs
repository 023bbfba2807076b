//! Queries: the gateway check, eligible roles, pending approvals, request status and audit.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use super::Engine;
use crate::audit::AuditRecord;
use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId, ScopeId};
use crate::request::RequestRecord;
use crate::schedule::{AssignmentType, Schedule, normalise_scope, scope_covers};
use crate::time::{Instant, IsoDuration};
use crate::wire::PolicyRule;
use crate::{GLOBAL_ADMINISTRATOR, PRIVILEGED_ROLE_ADMINISTRATOR};

wire_enum! {
    /// How a principal holds an active role.
    pub enum Via {
        /// A direct active assignment.
        Direct => "direct",
        /// An active assignment of a group the principal is in.
        Group => "group",
        /// An activation of an eligibility.
        Activation => "activation",
    }
}

impl Via {
    const fn rank(self) -> u8 {
        match self {
            Via::Direct => 0,
            Via::Activation => 1,
            Via::Group => 2,
        }
    }
}

/// The answer to "is P active in role R at scope S now?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    /// Whether the principal holds the role at that scope now.
    pub active: bool,
    /// Until when; absent when permanent or inactive.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
    /// How the role is held, when active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<Via>,
}

impl Check {
    const INACTIVE: Check = Check {
        active: false,
        end_date_time: None,
        via: None,
    };
}

/// A role a principal may activate, with what activation requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EligibleRole {
    /// The eligibility schedule.
    pub eligibility_schedule_id: ScheduleId,
    /// The role.
    pub role_definition_id: RoleDefinitionId,
    /// Its display name.
    pub role_display_name: String,
    /// Where.
    pub scope: ScopeId,
    /// The group the eligibility comes through, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_group: Option<PrincipalId>,
    /// Eligibility start.
    #[serde(with = "crate::time::instant")]
    pub start_date_time: Instant,
    /// Eligibility end; absent when permanent.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub end_date_time: Option<Instant>,
    /// The longest activation allowed.
    pub maximum_activation_duration: IsoDuration,
    /// Whether activation requires MFA.
    pub requires_mfa: bool,
    /// Whether activation requires a justification.
    pub requires_justification: bool,
    /// Whether activation requires a ticket.
    pub requires_ticket: bool,
    /// Whether activation requires approval.
    pub requires_approval: bool,
    /// The authentication context activation requires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_auth_context: Option<String>,
}

/// Filters for audit records; every given field must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditFilter {
    /// Records about or by this principal ("my audit").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<PrincipalId>,
    /// Records about this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_definition_id: Option<RoleDefinitionId>,
    /// Records with this activity name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// Records at or after this instant.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub since: Option<Instant>,
    /// Records before this instant.
    #[serde(
        default,
        with = "crate::time::instant_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub until: Option<Instant>,
}

/// A question to the engine, in wire form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "query",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum Query {
    /// Is the principal active in the role at the scope now?
    Check {
        /// Who.
        principal_id: PrincipalId,
        /// Which role.
        role_definition_id: RoleDefinitionId,
        /// Where (directory scope).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        directory_scope_id: Option<ScopeId>,
        /// Where (app scope).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        app_scope_id: Option<String>,
    },
    /// A request as it stands now.
    Request {
        /// Its id.
        request_id: RequestId,
    },
    /// The roles a principal may activate now.
    EligibleRoles {
        /// Who.
        principal_id: PrincipalId,
    },
    /// Requests waiting for this approver.
    PendingApprovals {
        /// Who.
        approver_id: PrincipalId,
    },
    /// Audit records, oldest first.
    Audit(AuditFilter),
    /// The role settings in effect for a role at a scope.
    Policy {
        /// The role.
        role_definition_id: RoleDefinitionId,
        /// The scope; `/` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope_id: Option<ScopeId>,
    },
    /// A principal's own schedules (eligible, active, activations), ended ones included.
    Schedules {
        /// Who.
        principal_id: PrincipalId,
    },
    /// Schedules matching a filter (a listing: it may visit every schedule).
    ScheduleList(super::ScheduleFilter),
    /// Schedule requests matching a filter, each with its status now (a listing).
    Requests(super::RequestFilter),
    /// Every role definition the tenant knows.
    RoleDefinitions {},
    /// The directory objects among these ids the tenant knows.
    Principals {
        /// Whom.
        ids: Vec<PrincipalId>,
    },
    /// The role settings of every role at every scope they are set for (a listing).
    Policies {},
    /// Every principal and each group's direct members (a listing).
    Directory {},
    /// The security alerts as they stand now.
    Alerts {},
    /// An access review with its instances.
    Review {
        /// The review.
        review_id: ReviewId,
    },
    /// Every access review.
    Reviews {},
    /// What a principal may read now (`null` when the directory does not know them).
    Access {
        /// Who.
        principal_id: PrincipalId,
    },
    /// Notifications due so far, oldest first.
    Notifications {
        /// Only those due at or after this instant.
        #[serde(
            default,
            with = "crate::time::instant_opt",
            skip_serializing_if = "Option::is_none"
        )]
        since: Option<Instant>,
        /// Only those addressed to this recipient (address or principal id).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recipient: Option<String>,
    },
}

/// An answer, in wire form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", content = "value", rename_all = "camelCase")]
#[non_exhaustive]
pub enum QueryResult {
    /// For `check`.
    Check(Check),
    /// For `request`.
    Request(alloc::boxed::Box<RequestRecord>),
    /// For `eligibleRoles`.
    EligibleRoles(Vec<EligibleRole>),
    /// For `pendingApprovals`.
    PendingApprovals(Vec<RequestRecord>),
    /// For `audit`.
    Audit(Vec<AuditRecord>),
    /// For `policy`.
    Policy(Vec<PolicyRule>),
    /// For `schedules`.
    Schedules(Vec<Schedule>),
    /// For `alerts`.
    Alerts(Vec<crate::alerts::Alert>),
    /// For `notifications`.
    Notifications(Vec<crate::notify::Notification>),
    /// For `review`.
    Review(alloc::boxed::Box<crate::review::Review>),
    /// For `reviews`.
    Reviews(Vec<crate::review::Review>),
    /// For `access`.
    Access(Option<crate::access::Access>),
    /// For `requests`.
    Requests(Vec<RequestRecord>),
    /// For `roleDefinitions`.
    RoleDefinitions(Vec<crate::directory::RoleDefinition>),
    /// For `principals`.
    Principals(Vec<crate::directory::Principal>),
    /// For `policies`.
    Policies(Vec<crate::policy::Policy>),
    /// For `directory`.
    Directory(super::DirectoryListing),
}

impl Engine {
    /// Every security alert as it stands at `now`, in Graph id order.
    pub fn alerts(&self, now: Instant) -> Vec<crate::alerts::Alert> {
        crate::alert_scan::alerts(&self.state, now)
    }

    /// One security alert as it stands at `now`.
    pub fn alert(&self, id: crate::alerts::AlertId, now: Instant) -> crate::alerts::Alert {
        crate::alert_scan::alert(&self.state, id, now)
    }

    /// The gateway question: is `principal` active in `role` at `scope` at `now`, directly,
    /// through a group, or through an activation? Allocates nothing; looks at the principal's
    /// own schedules for the role and those of its groups, never at all assignments.
    pub fn check(&self, principal: &str, role: &str, scope: &str, now: Instant) -> Check {
        let mut best = Check::INACTIVE;
        let Some(role) = self.grants.role_id(role) else {
            return best;
        };
        let consider = |best: &mut Check, g: &super::index::Grant, via: Via| {
            let in_effect = g.start <= now && g.end.is_none_or(|e| now < e);
            let covers = match g.scope() {
                0 => scope_covers("/", scope),
                id => self
                    .grants
                    .scope_name(id)
                    .is_some_and(|held| scope_covers(held, scope)),
            };
            if !in_effect || !covers {
                return;
            }
            let better = !best.active
                || match (g.end, best.end_date_time) {
                    (None, Some(_)) => true,
                    (Some(_), None) => false,
                    (a, b) if a == b => via.rank() < best.via.map_or(u8::MAX, Via::rank),
                    (Some(a), Some(b)) => a > b,
                    (None, None) => false,
                };
            if better {
                *best = Check {
                    active: true,
                    end_date_time: g.end,
                    via: Some(via),
                };
            }
        };
        for g in self.grants.grants_of(principal, role) {
            consider(
                &mut best,
                g,
                if g.activated() {
                    Via::Activation
                } else {
                    Via::Direct
                },
            );
        }
        // A permanent direct grant is the best answer there is (no end, the first rank): no
        // group can better it, so the group lookup, a trip to memory, is skipped.
        if best.active && best.end_date_time.is_none() && best.via == Some(Via::Direct) {
            return best;
        }
        for group in self.state.directory().groups_of(principal) {
            for g in self.grants.grants_of(group, role) {
                consider(&mut best, g, Via::Group);
            }
        }
        best
    }

    /// Whether `principal` is an administrator now: active Global or Privileged Role
    /// Administrator at the tenant scope.
    pub fn is_admin(&self, principal: &str, now: Instant) -> bool {
        self.check(principal, GLOBAL_ADMINISTRATOR, "/", now).active
            || self
                .check(principal, PRIVILEGED_ROLE_ADMINISTRATOR, "/", now)
                .active
    }

    /// The eligibilities of `principal` (direct and through groups) in effect at `now`, or
    /// starting later, with what activating each requires. Sorted by role, scope and id.
    pub fn eligible_roles(&self, principal: &str, now: Instant) -> Vec<EligibleRole> {
        let live = move |f: &crate::state::Facts<'_>| {
            f.kind == AssignmentType::Eligible && f.ended.is_none() && f.not_over(now)
        };
        let own = self
            .state
            .schedules_of_where(principal, live)
            .map(|s| (s, None::<&PrincipalId>));
        let inherited = (self.state.directory().groups_of(principal).iter()).flat_map(|g| {
            self.state
                .schedules_of_where(g, live)
                .map(move |s| (s, Some(g)))
        });
        let mut out: Vec<EligibleRole> = own
            .chain(inherited)
            .map(|(s, group)| {
                let settings = &self.policy(&s.role_definition_id, &s.scope).settings;
                EligibleRole {
                    eligibility_schedule_id: s.id.clone(),
                    role_definition_id: s.role_definition_id.clone(),
                    role_display_name: self
                        .state
                        .directory()
                        .role_name(&s.role_definition_id)
                        .into(),
                    scope: s.scope.clone(),
                    via_group: group.cloned(),
                    start_date_time: s.start_date_time,
                    end_date_time: s.end_date_time,
                    maximum_activation_duration: IsoDuration(settings.activation.maximum),
                    requires_mfa: settings.activation_requirements.mfa,
                    requires_justification: settings.activation_requirements.justification
                        || (settings.approval.required
                            && settings.approval.requestor_justification_required),
                    requires_ticket: settings.activation_requirements.ticket,
                    requires_approval: settings.approval.required,
                    requires_auth_context: settings.activation_auth_context.clone(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.role_definition_id, &a.scope, &a.eligibility_schedule_id).cmp(&(
                &b.role_definition_id,
                &b.scope,
                &b.eligibility_schedule_id,
            ))
        });
        out
    }

    /// A request as it stands at `now`.
    pub fn request(&self, id: &str, now: Instant) -> Option<RequestRecord> {
        self.state.request_record(id).map(|r| {
            let mut r = r.clone();
            r.status = self.state.effective_status(&r, now);
            r
        })
    }

    /// Requests that `approver` may answer at `now`, oldest first.
    pub fn pending_approvals(&self, approver: &str, now: Instant) -> Vec<RequestRecord> {
        self.state
            .open_requests()
            .filter(|r| self.state.effective_status(r, now).is_pending())
            .filter(|r| self.may_approve(approver, r, now).is_ok())
            .cloned()
            .collect()
    }

    /// Audit records matching `filter` and within the retention period at `now`, oldest first.
    pub fn audit(&self, filter: &AuditFilter, now: Instant) -> Vec<AuditRecord> {
        let oldest = self
            .state
            .audit_retention()
            .and_then(|days| now.checked_sub_signed(chrono::TimeDelta::days(i64::from(days))));
        self.audit_log()
            .iter()
            .filter(|a| oldest.is_none_or(|t| a.activity_date_time >= t))
            .filter(|a| filter.matches(a))
            .cloned()
            .collect()
    }

    /// Answers a wire query.
    pub fn query(&self, query: &Query, now: Instant) -> Result<QueryResult, crate::CommandError> {
        use crate::CommandError;
        query_instants(query, now)?;
        Ok(match query {
            Query::Check {
                principal_id,
                role_definition_id,
                directory_scope_id,
                app_scope_id,
            } => {
                let scope = normalise_scope(directory_scope_id.as_deref(), app_scope_id.as_deref())
                    .map_err(|reason| CommandError::InvalidField {
                        field: "directoryScopeId",
                        reason: reason.into(),
                    })?;
                QueryResult::Check(self.check(principal_id, role_definition_id, &scope, now))
            }
            Query::Request { request_id } => QueryResult::Request(alloc::boxed::Box::new(
                self.request(request_id, now)
                    .ok_or_else(|| CommandError::UnknownRequest(request_id.clone()))?,
            )),
            Query::EligibleRoles { principal_id } => {
                QueryResult::EligibleRoles(self.eligible_roles(principal_id, now))
            }
            Query::PendingApprovals { approver_id } => {
                QueryResult::PendingApprovals(self.pending_approvals(approver_id, now))
            }
            Query::Audit(filter) => QueryResult::Audit(self.audit(filter, now)),
            Query::Policy {
                role_definition_id,
                scope_id,
            } => QueryResult::Policy(
                self.policy(role_definition_id, scope_id.as_deref().unwrap_or("/"))
                    .rules
                    .clone(),
            ),
            Query::Schedules { principal_id } => {
                QueryResult::Schedules(self.state.schedules_of(principal_id).collect())
            }
            Query::ScheduleList(filter) => QueryResult::Schedules(self.list_schedules(filter, now)),
            Query::Requests(filter) => QueryResult::Requests(self.list_requests(filter, now)),
            Query::RoleDefinitions {} => QueryResult::RoleDefinitions(self.role_definitions()),
            Query::Principals { ids } => QueryResult::Principals(self.principals(ids)),
            Query::Policies {} => QueryResult::Policies(self.policies()),
            Query::Directory {} => QueryResult::Directory(self.directory_listing()),
            Query::Alerts {} => QueryResult::Alerts(self.alerts(now)),
            Query::Review { review_id } => QueryResult::Review(alloc::boxed::Box::new(
                self.review_at(review_id, now)
                    .ok_or_else(|| CommandError::InvalidField {
                        field: "reviewId",
                        reason: alloc::format!("unknown access review `{review_id}`"),
                    })?,
            )),
            Query::Reviews {} => QueryResult::Reviews(self.reviews_at(now)),
            Query::Access { principal_id } => QueryResult::Access(self.access(principal_id, now)),
            Query::Notifications { since, recipient } => QueryResult::Notifications(
                self.outbox()
                    .iter()
                    .filter(|n| since.is_none_or(|t| n.created_date_time >= t))
                    .filter(|n| {
                        recipient.as_deref().is_none_or(|r| {
                            n.recipients.iter().any(|x| x == r)
                                || self
                                    .state
                                    .directory()
                                    .principal(r)
                                    .and_then(|p| p.mail.as_deref())
                                    .is_some_and(|m| n.recipients.iter().any(|x| x == m))
                        })
                    })
                    .cloned()
                    .collect(),
            ),
        })
    }
}

impl AuditFilter {
    /// Whether a record passes the filter.
    pub fn matches(&self, a: &AuditRecord) -> bool {
        self.principal_id.as_deref().is_none_or(|p| {
            a.initiated_by.as_deref() == Some(p) || a.target_principal_id.as_deref() == Some(p)
        }) && self
            .role_definition_id
            .as_deref()
            .is_none_or(|r| a.role_definition_id.as_deref() == Some(r))
            && self
                .activity
                .as_deref()
                .is_none_or(|x| a.activity_display_name.eq_ignore_ascii_case(x))
            && self.since.is_none_or(|t| a.activity_date_time >= t)
            && self.until.is_none_or(|t| a.activity_date_time < t)
    }
}

/// Refuses a query whose instants (its `now`, an audit range, a notifications start) lie
/// outside the years the engine accepts.
fn query_instants(query: &Query, now: Instant) -> Result<(), crate::CommandError> {
    use super::commands::horizon;
    horizon("now", Some(now))?;
    match query {
        Query::Audit(f) => {
            horizon("since", f.since)?;
            horizon("until", f.until)
        }
        Query::Notifications { since, .. } => horizon("since", *since),
        _ => Ok(()),
    }
}
