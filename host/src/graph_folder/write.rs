//! Export: the tenant a database holds, written in the folder layout import reads, in Graph's
//! shapes (`crate::graph`). One page per list.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pim_core::directory::{Principal, PrincipalKind};
use pim_core::schedule::{AssignmentType, Schedule};
use pim_core::{Instant, PrincipalId, Query, QueryResult, ScheduleFilter, ScheduleWindow};
use serde_json::{Value, json};

use super::pages::page_file;
use super::{Counts, Exported, FolderError};
use crate::graph::{self, PolicyIds};
use crate::service::Service;
use crate::store::Store;

/// Where Graph's `@odata.context` URLs start.
const METADATA: &str = "https://graph.microsoft.com/v1.0/$metadata#";

/// The directory as the log built it: every principal and each group's direct members.
struct Directory {
    principals: Vec<Principal>,
    members: BTreeMap<PrincipalId, Vec<PrincipalId>>,
}

/// The folder being written.
struct Writer<'a> {
    dir: &'a Path,
    files: Vec<PathBuf>,
}

impl Writer<'_> {
    /// Writes one page of list `name` (under `sub`, relative to the folder) holding `value`.
    fn page(
        &mut self,
        sub: &Path,
        name: &str,
        context: &str,
        value: Vec<Value>,
    ) -> Result<(), FolderError> {
        let relative = page_file(sub, name, 1);
        let path = self.dir.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(FolderError::io(parent))?;
        }
        let page = json!({ "@odata.context": format!("{METADATA}{context}"), "value": value });
        let mut text = serde_json::to_string_pretty(&page).map_err(|error| FolderError::Json {
            path: path.clone(),
            error,
        })?;
        text.push('\n');
        std::fs::write(&path, text).map_err(FolderError::io(&path))?;
        self.files.push(relative);
        Ok(())
    }
}

/// Writes every list of the folder; see [`super::export`].
pub(super) fn export<S: Store>(
    service: &mut Service<S>,
    dir: &Path,
    now: Instant,
    ids: &PolicyIds,
) -> Result<Exported, FolderError> {
    new_folder(dir)?;
    let directory = directory(service, now)?;
    let mut w = Writer {
        dir,
        files: Vec::new(),
    };
    let mut counts = write_directory(&mut w, &directory)?;
    counts.role_definitions = write_roles(&mut w, service, now)?;
    counts.eligible = write_schedules(&mut w, service, now, AssignmentType::Eligible)?;
    counts.active = write_schedules(&mut w, service, now, AssignmentType::Active)?;
    counts.policies = write_policies(&mut w, service, now, ids)?;
    Ok(Exported {
        counts,
        files: w.files,
    })
}

/// Writes `roleDefinitions.json`; returns how many.
fn write_roles<S: Store>(
    w: &mut Writer<'_>,
    service: &mut Service<S>,
    now: Instant,
) -> Result<usize, FolderError> {
    let q = Query::RoleDefinitions {};
    let roles = ask(service, &q, now, "roleDefinitions", |r| match r {
        QueryResult::RoleDefinitions(v) => Some(v),
        _ => None,
    })?;
    let value = roles.iter().map(graph::role_definition).collect();
    let context = "roleManagement/directory/roleDefinitions";
    w.page(Path::new(""), "roleDefinitions", context, value)?;
    Ok(roles.len())
}

/// Writes `roleManagementPolicyAssignments.json`, each with its policy and rules; returns
/// how many.
fn write_policies<S: Store>(
    w: &mut Writer<'_>,
    service: &mut Service<S>,
    now: Instant,
    ids: &PolicyIds,
) -> Result<usize, FolderError> {
    let policies = ask(service, &Query::Policies {}, now, "policies", |r| match r {
        QueryResult::Policies(v) => Some(v),
        _ => None,
    })?;
    let value = policies
        .iter()
        .map(|p| graph::policy_assignment(p, ids, Some(true)))
        .collect();
    let context = "policies/roleManagementPolicyAssignments(policy(rules()))";
    w.page(
        Path::new(""),
        "roleManagementPolicyAssignments",
        context,
        value,
    )?;
    Ok(policies.len())
}

/// Creates `dir`, or accepts it if it is an empty directory: pages left over in it would be
/// read with the new ones.
fn new_folder(dir: &Path) -> Result<(), FolderError> {
    std::fs::create_dir_all(dir).map_err(FolderError::io(dir))?;
    let mut entries = std::fs::read_dir(dir).map_err(FolderError::io(dir))?;
    match entries.next() {
        None => Ok(()),
        Some(_) => Err(FolderError::NotEmptyFolder {
            path: dir.to_owned(),
        }),
    }
}

/// Asks the guest `query`; `pick` takes the answer of the kind expected.
fn ask<S: Store, T>(
    service: &mut Service<S>,
    query: &Query,
    now: Instant,
    what: &'static str,
    pick: impl FnOnce(QueryResult) -> Option<T>,
) -> Result<T, FolderError> {
    pick(service.query(query, now)?).ok_or(FolderError::Answer(what))
}

/// Every principal and each group's direct members, as the guest lists them.
fn directory<S: Store>(service: &mut Service<S>, now: Instant) -> Result<Directory, FolderError> {
    let listing = ask(
        service,
        &Query::Directory {},
        now,
        "directory",
        |r| match r {
            QueryResult::Directory(d) => Some(d),
            _ => None,
        },
    )?;
    Ok(Directory {
        principals: listing.principals,
        members: listing
            .members
            .into_iter()
            .map(|g| (g.group_id, g.members))
            .collect(),
    })
}

/// Writes `users.json`, `groups.json`, each group's `members.json` and `servicePrincipals.json`.
fn write_directory(w: &mut Writer<'_>, d: &Directory) -> Result<Counts, FolderError> {
    let of = |kind| d.principals.iter().filter(move |p| p.kind == kind);
    let users: Vec<Value> = of(PrincipalKind::User).map(user).collect();
    let groups: Vec<Value> = of(PrincipalKind::Group).map(group).collect();
    let apps: Vec<Value> = of(PrincipalKind::ServicePrincipal)
        .map(service_principal)
        .collect();
    let counts = Counts {
        users: users.len(),
        groups: groups.len(),
        service_principals: apps.len(),
        ..Counts::default()
    };
    let root = Path::new("");
    w.page(root, "users", "users(manager())", users)?;
    w.page(root, "groups", "groups", groups)?;
    w.page(root, "servicePrincipals", "servicePrincipals", apps)?;
    let by_id: BTreeMap<&str, &Principal> =
        d.principals.iter().map(|p| (p.id.as_str(), p)).collect();
    for (group, members) in &d.members {
        let value = members
            .iter()
            .filter_map(|m| by_id.get(m.as_str()))
            .map(|p| graph::principal(p))
            .collect();
        let sub = Path::new("groups").join(group.as_str());
        w.page(&sub, "members", "directoryObjects", value)?;
    }
    Ok(counts)
}

/// A `user`, with its `manager` as `$expand=manager` shows it.
fn user(p: &Principal) -> Value {
    let manager = p.manager_id.as_ref().map_or(
        Value::Null,
        |m| json!({ "@odata.type": "#microsoft.graph.user", "id": m }),
    );
    json!({ "id": p.id, "displayName": p.display_name, "mail": p.mail, "manager": manager })
}

/// A `group`.
fn group(p: &Principal) -> Value {
    json!({ "id": p.id, "displayName": p.display_name,
            "isAssignableToRole": p.is_role_assignable })
}

/// A `servicePrincipal`.
fn service_principal(p: &Principal) -> Value {
    json!({ "id": p.id, "displayName": p.display_name })
}

/// Writes the eligibility or assignment schedules in effect or starting later; returns how
/// many.
fn write_schedules<S: Store>(
    w: &mut Writer<'_>,
    service: &mut Service<S>,
    now: Instant,
    kind: AssignmentType,
) -> Result<usize, FolderError> {
    let filter = ScheduleFilter {
        kind: Some(kind),
        window: ScheduleWindow::Current,
        ..ScheduleFilter::default()
    };
    let list: Vec<Schedule> = ask(
        service,
        &Query::ScheduleList(filter),
        now,
        "scheduleList",
        |r| match r {
            QueryResult::Schedules(v) => Some(v),
            _ => None,
        },
    )?;
    let name = match kind {
        AssignmentType::Eligible => "roleEligibilitySchedules",
        _ => "roleAssignmentSchedules",
    };
    let value = list.iter().map(|s| graph::schedule(s, None)).collect();
    w.page(
        Path::new(""),
        name,
        &format!("roleManagement/directory/{name}"),
        value,
    )?;
    Ok(list.len())
}
