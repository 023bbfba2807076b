//! One function per Graph resource type, each taking the core's record.

use std::collections::HashMap;

use pim_core::directory::{BUILT_IN_ROLES, Principal, PrincipalKind, RoleDefinition};
use pim_core::policy::Policy;
use pim_core::request::ReviewResult;
use pim_core::schedule::{AssignmentType, Origin, Schedule};
use pim_core::time::{Instant, format_instant};
use pim_core::wire::RequestKind;
use pim_core::{AuditRecord, RequestRecord, Status};
use serde_json::{Map, Value, json};

use super::ids::{PolicyIds, step_id};

/// Display names of the principals and roles a batch of records mentions.
#[derive(Debug, Default, Clone)]
pub struct Names {
    principals: HashMap<String, Principal>,
    roles: HashMap<String, RoleDefinition>,
}

impl Names {
    /// Names from the directory objects and role definitions a query returned.
    pub fn new(principals: Vec<Principal>, roles: Vec<RoleDefinition>) -> Self {
        Names {
            principals: principals
                .into_iter()
                .map(|p| (p.id.to_string(), p))
                .collect(),
            roles: roles.into_iter().map(|r| (r.id.to_string(), r)).collect(),
        }
    }

    /// A role definition, if the tenant knows it.
    pub fn role(&self, id: &str) -> Option<&RoleDefinition> {
        self.roles.get(id)
    }

    /// A principal, if the directory knows it.
    pub fn principal(&self, id: &str) -> Option<&Principal> {
        self.principals.get(id)
    }

    fn display_name(&self, id: &str) -> Value {
        self.principal(id)
            .and_then(|p| p.display_name.clone())
            .map_or(Value::Null, Value::String)
    }

    fn role_name(&self, id: &str) -> Value {
        self.role(id)
            .and_then(|r| r.display_name.clone())
            .map_or(Value::Null, Value::String)
    }
}

fn instant(t: &Instant) -> Value {
    Value::String(format_instant(t))
}

fn opt_instant(t: Option<&Instant>) -> Value {
    t.map_or(Value::Null, instant)
}

/// `directoryScopeId` and `appScopeId` of a normalised scope (`app:{id}` is an app scope).
pub fn scopes(scope: &str) -> (Value, Value) {
    match scope.strip_prefix("app:") {
        Some(app) => (Value::Null, json!(app)),
        None => (json!(scope), Value::Null),
    }
}

/// An `identitySet` naming principal `id` (a user, a group or an application); `None` is the
/// host itself, an application.
pub fn identity_set(id: Option<&str>, names: &Names) -> Value {
    let Some(id) = id else {
        return json!({ "application": { "id": null, "displayName": "pim-host" },
                       "device": null, "user": null });
    };
    let who = json!({ "id": id, "displayName": names.display_name(id) });
    match names.principal(id).map(|p| p.kind) {
        Some(PrincipalKind::ServicePrincipal) => {
            json!({ "application": who, "device": null, "user": null })
        }
        Some(PrincipalKind::Group) => {
            json!({ "application": null, "device": null, "user": null, "group": who })
        }
        _ => json!({ "application": null, "device": null, "user": who }),
    }
}

/// A directory object as `$expand=principal` shows it.
pub fn principal(p: &Principal) -> Value {
    let kind = match p.kind {
        PrincipalKind::Group => "#microsoft.graph.group",
        PrincipalKind::ServicePrincipal => "#microsoft.graph.servicePrincipal",
        _ => "#microsoft.graph.user",
    };
    let mut v = json!({ "@odata.type": kind, "id": p.id, "displayName": p.display_name });
    if p.kind == PrincipalKind::User {
        v["mail"] = json!(p.mail);
    }
    if p.kind == PrincipalKind::Group {
        v["isAssignableToRole"] = json!(p.is_role_assignable);
    }
    v
}

/// `Direct`, or `Group` for a schedule held by one of `viewer`'s groups or activated through
/// a group's eligibility (Graph's `memberType`).
pub fn member_type(s: &Schedule, viewer: Option<&str>) -> &'static str {
    let inherited = viewer.is_some_and(|v| s.principal_id.as_str() != v);
    if inherited || s.via_group.is_some() {
        "Group"
    } else {
        "Direct"
    }
}

fn expiration(end: Option<&Instant>) -> Value {
    match end {
        None => json!({ "type": "noExpiration", "endDateTime": null, "duration": null }),
        Some(e) => json!({ "type": "afterDateTime", "endDateTime": instant(e), "duration": null }),
    }
}

fn schedule_info(start: &Instant, end: Option<&Instant>) -> Value {
    json!({ "startDateTime": instant(start), "recurrence": null, "expiration": expiration(end) })
}

/// A schedule request (`unifiedRoleAssignmentScheduleRequest` or
/// `unifiedRoleEligibilityScheduleRequest`).
pub fn request(r: &RequestRecord, names: &Names) -> Value {
    let (directory, app) = scopes(&r.scope);
    let mut v = json!({
        "id": r.id,
        "status": r.status,
        "action": r.action,
        "principalId": r.principal_id,
        "roleDefinitionId": r.role_definition_id,
        "directoryScopeId": directory,
        "appScopeId": app,
        "justification": r.justification,
        "scheduleInfo": match &r.requested_duration {
            Some(d) => json!({ "startDateTime": instant(&r.start_date_time), "recurrence": null,
                "expiration": { "type": "afterDuration", "endDateTime": null, "duration": d } }),
            None => schedule_info(&r.start_date_time, r.end_date_time.as_ref()),
        },
        "ticketInfo": {
            "ticketNumber": r.ticket_info.as_ref().and_then(|t| t.ticket_number.clone()),
            "ticketSystem": r.ticket_info.as_ref().and_then(|t| t.ticket_system.clone()),
        },
        "createdBy": identity_set(r.created_by.as_deref(), names),
        "createdDateTime": instant(&r.created_date_time),
        "completedDateTime": opt_instant(r.completed_date_time.as_ref()),
        "approvalId": if r.approval_steps.is_empty() { Value::Null } else { json!(r.id) },
        "customData": null,
        "isValidationOnly": false,
        "targetScheduleId": r.target_schedule_id,
    });
    if r.kind == RequestKind::Assignment {
        v["@odata.type"] = json!("#microsoft.graph.unifiedRoleAssignmentScheduleRequest");
    } else {
        v["@odata.type"] = json!("#microsoft.graph.unifiedRoleEligibilityScheduleRequest");
    }
    v
}

/// The fields every schedule and instance share.
fn base(s: &Schedule, viewer: Option<&str>) -> Map<String, Value> {
    let (directory, app) = scopes(&s.scope);
    let v = json!({
        "id": s.id,
        "principalId": s.principal_id,
        "roleDefinitionId": s.role_definition_id,
        "directoryScopeId": directory,
        "appScopeId": app,
        "memberType": member_type(s, viewer),
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn assignment_type(s: &Schedule) -> &'static str {
    if s.origin == Origin::Activated {
        "Activated"
    } else {
        "Assigned"
    }
}

/// A schedule (`unifiedRoleEligibilitySchedule` or `unifiedRoleAssignmentSchedule`).
pub fn schedule(s: &Schedule, viewer: Option<&str>) -> Value {
    let mut m = base(s, viewer);
    m.insert("createdUsing".into(), json!(s.request_id));
    m.insert("createdDateTime".into(), Value::Null);
    m.insert("modifiedDateTime".into(), Value::Null);
    let status = if s.ended.is_some() {
        Status::Revoked
    } else {
        Status::Provisioned
    };
    m.insert("status".into(), json!(status));
    m.insert(
        "scheduleInfo".into(),
        schedule_info(&s.start_date_time, s.end_date_time.as_ref()),
    );
    if s.kind == AssignmentType::Active {
        m.insert("assignmentType".into(), json!(assignment_type(s)));
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.unifiedRoleAssignmentSchedule"),
        );
    } else {
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.unifiedRoleEligibilitySchedule"),
        );
    }
    Value::Object(m)
}

/// A schedule instance (`unifiedRoleEligibilityScheduleInstance` or
/// `unifiedRoleAssignmentScheduleInstance`): one per schedule in effect, with its id.
pub fn instance(s: &Schedule, viewer: Option<&str>) -> Value {
    let mut m = base(s, viewer);
    m.insert("startDateTime".into(), instant(&s.start_date_time));
    m.insert("endDateTime".into(), opt_instant(s.end_date_time.as_ref()));
    if s.kind == AssignmentType::Active {
        m.insert("assignmentType".into(), json!(assignment_type(s)));
        m.insert("roleAssignmentScheduleId".into(), json!(s.id));
        m.insert("roleAssignmentOriginId".into(), json!(s.id));
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.unifiedRoleAssignmentScheduleInstance"),
        );
    } else {
        m.insert("roleEligibilityScheduleId".into(), json!(s.id));
        m.insert(
            "@odata.type".into(),
            json!("#microsoft.graph.unifiedRoleEligibilityScheduleInstance"),
        );
    }
    Value::Object(m)
}

/// An active grant as `roleAssignments` lists it (`unifiedRoleAssignment`).
pub fn role_assignment(s: &Schedule) -> Value {
    let (directory, app) = scopes(&s.scope);
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleAssignment",
        "id": s.id,
        "principalId": s.principal_id,
        "roleDefinitionId": s.role_definition_id,
        "directoryScopeId": directory,
        "appScopeId": app,
    })
}

/// A role definition (`unifiedRoleDefinition`); pim keeps no permissions, so
/// `rolePermissions` is empty.
pub fn role_definition(r: &RoleDefinition) -> Value {
    let built_in = BUILT_IN_ROLES.iter().any(|(id, _)| *id == r.id.as_str());
    json!({
        "@odata.type": "#microsoft.graph.unifiedRoleDefinition",
        "id": r.id,
        "displayName": r.display_name,
        "description": null,
        "isBuiltIn": built_in,
        "isEnabled": true,
        "templateId": r.id,
        "version": null,
        "resourceScopes": ["/"],
        "rolePermissions": [],
    })
}

/// A role management policy (`unifiedRoleManagementPolicy`), with its rules when `rules`.
pub fn policy(p: &Policy, ids: &PolicyIds, rules: bool) -> Value {
    let mut v = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicy",
        "id": ids.policy(&p.role_definition_id, &p.scope_id),
        "displayName": "DirectoryRole",
        "description": "DirectoryRole",
        "isOrganizationDefault": false,
        "scopeId": p.scope_id,
        "scopeType": p.scope_type,
        "lastModifiedDateTime": null,
        "lastModifiedBy": { "displayName": null, "id": null },
    });
    if rules {
        v["rules"] = json!(p.rules);
    }
    v
}

/// The assignment of a policy to its role (`unifiedRoleManagementPolicyAssignment`), with the
/// policy when `expand` is `Some` (and its rules when `Some(true)`).
pub fn policy_assignment(p: &Policy, ids: &PolicyIds, expand: Option<bool>) -> Value {
    let role = p.role_definition_id.as_str();
    let mut v = json!({
        "@odata.type": "#microsoft.graph.unifiedRoleManagementPolicyAssignment",
        "id": ids.assignment(role, &p.scope_id),
        "policyId": ids.policy(role, &p.scope_id),
        "scopeId": p.scope_id,
        "scopeType": p.scope_type,
        "roleDefinitionId": role,
    });
    if let Some(rules) = expand {
        v["policy"] = policy(p, ids, rules);
    }
    v
}

/// A request's approval (beta `approval`) with one step per stage; `assigned_to_me` says
/// whether the viewer may answer the stage waiting now.
pub fn approval(r: &RequestRecord, assigned_to_me: bool, names: &Names) -> Value {
    let current = r.current_step().map(|s| s.stage);
    let pending = r.status.is_pending();
    let steps: Vec<Value> = r
        .approval_steps
        .iter()
        .map(|s| {
            let status = match s.review_result {
                ReviewResult::Approve | ReviewResult::Deny => "Completed",
                _ if pending && current == Some(s.stage) => "InProgress",
                _ if pending => "Initializing",
                _ => "Expired",
            };
            let result = match s.review_result {
                ReviewResult::Approve => "Approved",
                ReviewResult::Deny => "Denied",
                _ => "NotReviewed",
            };
            json!({
                "id": step_id(&r.id, s.stage),
                "displayName": null,
                "status": status,
                "reviewResult": result,
                "reviewedBy": s.reviewed_by.as_deref().map(|b| json!({
                    "id": b, "displayName": names.display_name(b) })),
                "reviewedDateTime": opt_instant(s.reviewed_date_time.as_ref()),
                "justification": s.justification,
                "assignedToMe": assigned_to_me && pending && current == Some(s.stage),
            })
        })
        .collect();
    json!({ "@odata.type": "#microsoft.graph.approval", "id": r.id, "steps": steps })
}

/// An audit record as Graph's `directoryAudit`: the role, the principal and the schedule it
/// is about as target resources, the scope and the ticket as additional details.
pub fn directory_audit(a: &AuditRecord, names: &Names) -> Value {
    let mut targets = Vec::new();
    if let Some(role) = a.role_definition_id.as_deref() {
        let name = a
            .role_display_name
            .clone()
            .map_or(names.role_name(role), Value::String);
        targets.push(json!({ "id": role, "displayName": name, "type": "Role",
                             "modifiedProperties": modified(a) }));
    }
    if let Some(p) = a.target_principal_id.as_deref() {
        let kind = match names.principal(p).map(|p| p.kind) {
            Some(PrincipalKind::Group) => "Group",
            Some(PrincipalKind::ServicePrincipal) => "ServicePrincipal",
            _ => "User",
        };
        targets.push(
            json!({ "id": p, "displayName": names.display_name(p), "type": kind,
                             "modifiedProperties": [] }),
        );
    }
    if let Some(s) = a.schedule_id.as_deref() {
        targets.push(json!({ "id": s, "displayName": null, "type": "Request",
                             "modifiedProperties": [] }));
    }
    let initiated = match a.initiated_by.as_deref() {
        Some(by) => json!({ "app": null, "user": {
            "id": by, "displayName": names.display_name(by), "userPrincipalName": null,
            "ipAddress": null } }),
        None => json!({ "app": { "appId": null, "displayName": "pim-host" }, "user": null }),
    };
    json!({
        "@odata.type": "#microsoft.graph.directoryAudit",
        "id": a.id,
        "category": a.category,
        "correlationId": a.correlation_id,
        "result": a.result,
        "resultReason": a.result_reason.clone().unwrap_or_default(),
        "activityDisplayName": a.activity_display_name,
        "activityDateTime": instant(&a.activity_date_time),
        "loggedByService": "PIM",
        "operationType": a.operation_type,
        "initiatedBy": initiated,
        "targetResources": targets,
        "additionalDetails": details(a),
    })
}

fn modified(a: &AuditRecord) -> Vec<Value> {
    a.scope
        .as_deref()
        .map(|s| {
            json!({ "displayName": "DirectoryScopeId", "oldValue": null,
                          "newValue": format!("\"{s}\"") })
        })
        .into_iter()
        .collect()
}

fn details(a: &AuditRecord) -> Vec<Value> {
    let mut out = Vec::new();
    let mut add = |key: &str, value: Option<&str>| {
        if let Some(value) = value {
            out.push(json!({ "key": key, "value": value }));
        }
    };
    add("RoleDefinitionOriginId", a.role_definition_id.as_deref());
    add("DirectoryScopeId", a.scope.as_deref());
    let ticket = a.ticket_info.as_ref();
    add(
        "TicketNumber",
        ticket.and_then(|t| t.ticket_number.as_deref()),
    );
    add(
        "TicketSystem",
        ticket.and_then(|t| t.ticket_system.as_deref()),
    );
    out
}
