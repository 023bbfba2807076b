//! Graph's objects, as a Graph client saved them, mapped to the core's tenant: a
//! `DirectorySnapshot` and one policy entry per role management policy. Every reference is
//! checked here, so an error names the file and the item.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use pim_core::directory::{BUILT_IN_ROLES, PrincipalKind};
use pim_core::time::parse_instant;
use pim_core::wire::{
    AssignmentEntry, AssignmentType, DirectorySnapshot, GroupEntry, PolicyEntry, PolicyRule,
    PolicyScopeType, RoleDefinitionEntry, ServicePrincipalEntry, UserEntry,
};
use pim_core::{Command, Instant, IsoDuration};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::pages::{Entry, page_file, read_list, warn_unread};
use super::{Counts, FolderError, Item, Warnings};

/// A folder read and checked: the directory to import, the policies to set, and what was
/// left out.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Users, groups, service principals, role definitions and schedules.
    pub directory: DirectorySnapshot,
    /// Each policy, with the item it came from.
    pub policies: Vec<(Item, PolicyEntry)>,
    /// What was left out or changed.
    pub warnings: Warnings,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphUser {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    user_principal_name: Option<String>,
    #[serde(default)]
    mail: Option<String>,
    #[serde(default)]
    manager: Option<Reference>,
}

#[derive(Deserialize)]
struct Reference {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphGroup {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    is_assignable_to_role: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Named {
    id: String,
    #[serde(default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct Member {
    #[serde(rename = "@odata.type", default)]
    odata_type: Option<String>,
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphSchedule {
    principal_id: String,
    role_definition_id: String,
    #[serde(default)]
    directory_scope_id: Option<String>,
    #[serde(default)]
    app_scope_id: Option<String>,
    #[serde(default)]
    member_type: Option<String>,
    #[serde(default)]
    assignment_type: Option<String>,
    #[serde(default)]
    schedule_info: Option<ScheduleInfo>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleInfo {
    #[serde(default)]
    start_date_time: Option<String>,
    #[serde(default)]
    recurrence: Option<Value>,
    #[serde(default)]
    expiration: Option<Expiration>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Expiration {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    end_date_time: Option<String>,
    #[serde(default)]
    duration: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphPolicyAssignment {
    #[serde(default)]
    scope_id: Option<String>,
    #[serde(default)]
    scope_type: Option<String>,
    role_definition_id: String,
    #[serde(default)]
    policy: Option<GraphPolicy>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphPolicy {
    #[serde(default)]
    scope_id: Option<String>,
    #[serde(default)]
    scope_type: Option<String>,
    #[serde(default)]
    rules: Option<Vec<Value>>,
}

/// The principals read so far: each id's kind and the item that introduced it.
#[derive(Default)]
struct Known {
    principals: HashMap<String, (PrincipalKind, Item)>,
    roles: BTreeSet<String>,
}

impl Known {
    /// Records principal `id`; an id seen before is an error naming both items.
    fn add(&mut self, entry: &Entry, id: &str, kind: PrincipalKind) -> Result<(), FolderError> {
        check_id(entry, id)?;
        if let Some((_, first)) = self.principals.get(id) {
            return Err(entry.error(format!("the id is also that of {first}")));
        }
        self.principals
            .insert(id.to_owned(), (kind, entry.item.clone()));
        Ok(())
    }

    fn kind(&self, id: &str) -> Option<PrincipalKind> {
        self.principals.get(id).map(|(k, _)| *k)
    }

    fn has_role(&self, id: &str) -> bool {
        self.roles.contains(id) || BUILT_IN_ROLES.iter().any(|(r, _)| *r == id)
    }
}

/// Refuses an id pim cannot keep (it becomes a storage key and a path segment): 1 to 256
/// ASCII letters, digits, `-`, `_` and `.`, never `..`.
fn check_id(entry: &Entry, id: &str) -> Result<(), FolderError> {
    let fits = (1..=pim_core::MAX_ID).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !id.contains("..")
        && id != ".";
    if fits {
        Ok(())
    } else {
        Err(entry.error(format!(
            "id `{id}` is not 1 to 256 letters, digits, `-`, `_` and `.`"
        )))
    }
}

fn parse<T: DeserializeOwned>(entry: &Entry) -> Result<T, FolderError> {
    T::deserialize(&entry.value).map_err(|e| entry.error(e.to_string()))
}

fn instant(entry: &Entry, field: &str, text: &str) -> Result<Instant, FolderError> {
    parse_instant(text).map_err(|e| entry.error(format!("`{field}`: {e}")))
}

/// Reads a folder's lists: the files read, the ids each introduced, and what was left out.
struct Reader<'a> {
    dir: &'a Path,
    read: BTreeSet<PathBuf>,
    known: Known,
    warnings: Warnings,
}

impl Reader<'_> {
    fn list(&mut self, name: &str) -> Result<Vec<Entry>, FolderError> {
        read_list(self.dir, name, &mut self.read)
    }
}

impl Folder {
    /// Reads and checks the folder `dir`.
    pub fn read(dir: &Path) -> Result<Folder, FolderError> {
        std::fs::read_dir(dir).map_err(FolderError::io(dir))?;
        let mut r = Reader {
            dir,
            read: BTreeSet::new(),
            known: Known::default(),
            warnings: Warnings::default(),
        };
        let mut users = r.users()?;
        let service_principals = r.service_principals()?;
        let mut groups = r.groups()?;
        for group in &mut groups {
            group.members = r.members(&group.id)?;
        }
        r.check_managers(&mut users);
        let role_definitions = r.role_definitions()?;
        let mut assignments = r.schedules("roleEligibilitySchedules", AssignmentType::Eligible)?;
        assignments.extend(r.schedules("roleAssignmentSchedules", AssignmentType::Active)?);
        let policies = r.policies()?;
        warn_unread(dir, &r.read, &mut r.warnings)?;
        Ok(Folder {
            directory: DirectorySnapshot {
                users,
                groups,
                service_principals,
                role_definitions,
                assignments,
            },
            policies,
            warnings: r.warnings,
        })
    }

    /// How many objects of each kind the folder holds.
    pub fn counts(&self) -> Counts {
        let d = &self.directory;
        let count = |kind| d.assignments.iter().filter(|a| a.kind == kind).count();
        Counts {
            users: d.users.len(),
            groups: d.groups.len(),
            service_principals: d.service_principals.len(),
            role_definitions: d.role_definitions.len(),
            eligible: count(AssignmentType::Eligible),
            active: count(AssignmentType::Active),
            policies: self.policies.len(),
        }
    }

    /// One `setPolicy` command per policy, with the item it came from.
    pub fn policy_commands(&self) -> impl Iterator<Item = (&Item, Command)> {
        self.policies.iter().map(|(item, p)| {
            let command = Command::SetPolicy {
                role_definition_id: p.role_definition_id.clone(),
                scope_id: p.scope_id.clone(),
                scope_type: p.scope_type,
                rules: p.rules.clone(),
            };
            (item, command)
        })
    }
}

impl Reader<'_> {
    fn users(&mut self) -> Result<Vec<UserEntry>, FolderError> {
        let mut out = Vec::new();
        for entry in self.list("users")? {
            let u: GraphUser = parse(&entry)?;
            self.known.add(&entry, &u.id, PrincipalKind::User)?;
            out.push(UserEntry {
                id: u.id.into(),
                display_name: u.display_name,
                user_principal_name: u.user_principal_name,
                mail: u.mail,
                manager_id: u.manager.map(|m| m.id.into()),
            });
        }
        Ok(out)
    }

    fn service_principals(&mut self) -> Result<Vec<ServicePrincipalEntry>, FolderError> {
        let mut out = Vec::new();
        for entry in self.list("servicePrincipals")? {
            let s: Named = parse(&entry)?;
            self.known
                .add(&entry, &s.id, PrincipalKind::ServicePrincipal)?;
            out.push(ServicePrincipalEntry {
                id: s.id.into(),
                display_name: s.display_name,
            });
        }
        Ok(out)
    }

    /// The groups, without their members yet.
    fn groups(&mut self) -> Result<Vec<GroupEntry>, FolderError> {
        let mut out = Vec::new();
        for entry in self.list("groups")? {
            let g: GraphGroup = parse(&entry)?;
            self.known.add(&entry, &g.id, PrincipalKind::Group)?;
            out.push(GroupEntry {
                id: g.id.into(),
                display_name: g.display_name,
                members: Vec::new(),
                is_role_assignable: g.is_assignable_to_role.unwrap_or(false),
            });
        }
        Ok(out)
    }

    /// The direct members of `group`, from `groups/{id}/members.json`; each must be a user,
    /// group or service principal of the folder (devices and contacts are left out).
    fn members(&mut self, group: &str) -> Result<Vec<pim_core::PrincipalId>, FolderError> {
        let dir = self.dir.join("groups").join(group);
        if !page_file(&dir, "members", 1).is_file() {
            let file = page_file(Path::new("groups").join(group).as_path(), "members", 1);
            self.warnings.add(
                "no member list: the group is imported with no members",
                file.display(),
            );
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for entry in read_list(&dir, "members", &mut self.read)? {
            let m: Member = parse(&entry)?;
            let stated = m.odata_type.as_deref().map(member_kind);
            match (stated, self.known.kind(&m.id)) {
                (Some(None), _) => self.warnings.add(
                    "left out: members pim has no kind for (devices, contacts)",
                    &entry.item,
                ),
                (Some(Some(k)), Some(found)) if k != found => {
                    return Err(entry.error(format!("`{}` is a {found}, not a {k}", m.id)));
                }
                (_, Some(_)) => out.push(m.id.into()),
                (_, None) => {
                    return Err(entry.error(format!(
                        "member `{}` is in none of users.json, groups.json, servicePrincipals.json",
                        m.id
                    )));
                }
            }
        }
        Ok(out)
    }

    /// Leaves out (with a warning) each manager who is not a user of the folder.
    fn check_managers(&mut self, users: &mut [UserEntry]) {
        for u in users {
            let Some(manager) = &u.manager_id else {
                continue;
            };
            if self.known.kind(manager) != Some(PrincipalKind::User) {
                self.warnings.add(
                    "manager left out: not a user of users.json",
                    format!("user `{}`'s manager `{manager}`", u.id),
                );
                u.manager_id = None;
            }
        }
    }

    /// The role definitions pim does not know already (built-in ones it lacks included).
    fn role_definitions(&mut self) -> Result<Vec<RoleDefinitionEntry>, FolderError> {
        let mut out = Vec::new();
        for entry in self.list("roleDefinitions")? {
            let r: Named = parse(&entry)?;
            check_id(&entry, &r.id)?;
            if self.known.has_role(&r.id) {
                if self.known.roles.contains(&r.id) {
                    return Err(entry.error("the role definition is listed twice"));
                }
                continue;
            }
            self.known.roles.insert(r.id.clone());
            out.push(RoleDefinitionEntry {
                id: r.id.into(),
                display_name: r.display_name,
            });
        }
        Ok(out)
    }
}

/// The kind a member's `@odata.type` names; `None` for kinds pim does not keep.
fn member_kind(odata_type: &str) -> Option<PrincipalKind> {
    let name = odata_type.trim_start_matches('#');
    let name = name.strip_prefix("microsoft.graph.").unwrap_or(name);
    match name.to_ascii_lowercase().as_str() {
        "user" => Some(PrincipalKind::User),
        "group" => Some(PrincipalKind::Group),
        "serviceprincipal" => Some(PrincipalKind::ServicePrincipal),
        _ => None,
    }
}

impl Reader<'_> {
    /// The schedules of list `name`, each an assignment of `kind`. Schedules a principal holds
    /// through a group are left out: pim derives them from the group's own.
    fn schedules(
        &mut self,
        name: &str,
        kind: AssignmentType,
    ) -> Result<Vec<AssignmentEntry>, FolderError> {
        let mut out = Vec::new();
        for entry in self.list(name)? {
            let s: GraphSchedule = parse(&entry)?;
            match s
                .member_type
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("direct") => {}
                Some("group" | "inherited") => {
                    self.warnings.add(
                        "left out: held through a group (memberType Group or Inherited); pim \
                         derives it from the group's own schedule",
                        &entry.item,
                    );
                    continue;
                }
                Some(other) => return Err(entry.error(format!("unknown memberType `{other}`"))),
            }
            self.check_assignment_type(&entry, &s, kind)?;
            out.push(self.assignment(&entry, s, kind)?);
        }
        Ok(out)
    }

    fn check_assignment_type(
        &mut self,
        entry: &Entry,
        s: &GraphSchedule,
        kind: AssignmentType,
    ) -> Result<(), FolderError> {
        match s
            .assignment_type
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("assigned") => Ok(()),
            Some("activated") if kind == AssignmentType::Active => {
                self.warnings.add(
                    "imported as an active assignment: an activation (assignmentType \
                     Activated) becomes an assignment ending when the activation does",
                    &entry.item,
                );
                Ok(())
            }
            Some(other) => Err(entry.error(format!("unknown assignmentType `{other}`"))),
        }
    }

    /// One schedule as the core's assignment entry, its principal and role checked.
    fn assignment(
        &mut self,
        entry: &Entry,
        s: GraphSchedule,
        kind: AssignmentType,
    ) -> Result<AssignmentEntry, FolderError> {
        let holder = self.known.kind(&s.principal_id).ok_or_else(|| {
            entry.error(format!(
                "principal `{}` is in none of users.json, groups.json, servicePrincipals.json",
                s.principal_id
            ))
        })?;
        if holder == PrincipalKind::ServicePrincipal && kind == AssignmentType::Eligible {
            return Err(entry.error(format!(
                "service principal `{}` can hold only active assignments",
                s.principal_id
            )));
        }
        if !self.known.has_role(&s.role_definition_id) {
            return Err(entry.error(format!(
                "role definition `{}` is not in roleDefinitions.json",
                s.role_definition_id
            )));
        }
        let (start, end) = self.window(entry, s.schedule_info.as_ref())?;
        Ok(AssignmentEntry {
            kind,
            principal_id: s.principal_id.into(),
            role_definition_id: s.role_definition_id.into(),
            directory_scope_id: s.directory_scope_id.map(Into::into),
            app_scope_id: s.app_scope_id,
            start_date_time: start,
            end_date_time: end,
        })
    }

    /// A schedule's start and end, from `scheduleInfo`.
    fn window(
        &mut self,
        entry: &Entry,
        info: Option<&ScheduleInfo>,
    ) -> Result<(Option<Instant>, Option<Instant>), FolderError> {
        let Some(info) = info else {
            return Ok((None, None));
        };
        if info.recurrence.as_ref().is_some_and(|r| !r.is_null()) {
            self.warnings.add(
                "recurrence left out: pim schedules do not recur",
                &entry.item,
            );
        }
        let start = info
            .start_date_time
            .as_deref()
            .map(|t| instant(entry, "scheduleInfo.startDateTime", t))
            .transpose()?;
        let end = match &info.expiration {
            None => None,
            Some(e) => end(entry, e, start)?,
        };
        if let (Some(s), Some(e)) = (start, end)
            && e <= s
        {
            return Err(entry.error("the schedule ends before it starts"));
        }
        Ok((start, end))
    }
}

/// The end an `expiration` gives: none, its `endDateTime`, or the start plus its `duration`.
fn end(
    entry: &Entry,
    e: &Expiration,
    start: Option<Instant>,
) -> Result<Option<Instant>, FolderError> {
    let end_field = "scheduleInfo.expiration.endDateTime";
    match e.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("noexpiration") => Ok(None),
        Some("afterdatetime") => match &e.end_date_time {
            Some(t) => instant(entry, end_field, t).map(Some),
            None => Err(entry.error("expiration `afterDateTime` without an `endDateTime`")),
        },
        Some("afterduration") => {
            let (Some(start), Some(d)) = (start, &e.duration) else {
                return Err(entry.error(
                    "expiration `afterDuration` needs `duration` and `scheduleInfo.startDateTime`",
                ));
            };
            let d: IsoDuration = d
                .parse()
                .map_err(|e| entry.error(format!("`duration`: {e}")))?;
            match start.checked_add_signed(d.delta()) {
                Some(end) => Ok(Some(end)),
                None => Err(entry.error("`duration` runs past the end of time")),
            }
        }
        None => e
            .end_date_time
            .as_deref()
            .map(|t| instant(entry, end_field, t))
            .transpose(),
        Some(other) => Err(entry.error(format!("unknown expiration type `{other}`"))),
    }
}

impl Reader<'_> {
    /// One policy per policy assignment (`$expand=policy($expand=rules)`); PIM for Groups
    /// policies are left out.
    fn policies(&mut self) -> Result<Vec<(Item, PolicyEntry)>, FolderError> {
        let mut out: Vec<(Item, PolicyEntry)> = Vec::new();
        for entry in self.list("roleManagementPolicyAssignments")? {
            let Some(policy) = self.policy(&entry)? else {
                continue;
            };
            let twin = out.iter().find(|(_, p)| {
                p.role_definition_id == policy.role_definition_id && p.scope_id == policy.scope_id
            });
            if let Some((first, _)) = twin {
                return Err(entry.error(format!(
                    "the policy of this role and scope is also that of {first}"
                )));
            }
            out.push((entry.item.clone(), policy));
        }
        Ok(out)
    }

    fn policy(&mut self, entry: &Entry) -> Result<Option<PolicyEntry>, FolderError> {
        let a: GraphPolicyAssignment = parse(entry)?;
        let Some(policy) = a.policy else {
            return Err(
                entry.error("no `policy`: save the list with `$expand=policy($expand=rules)`")
            );
        };
        let scope_type = match policy.scope_type.as_deref().or(a.scope_type.as_deref()) {
            None => None,
            Some(t) => Some(
                PolicyScopeType::parse(t)
                    .ok_or_else(|| entry.error(format!("unknown scopeType `{t}`")))?,
            ),
        };
        if scope_type == Some(PolicyScopeType::Group) {
            self.warnings.add(
                "left out: PIM for Groups policies (scopeType Group)",
                &entry.item,
            );
            return Ok(None);
        }
        if !self.known.has_role(&a.role_definition_id) {
            return Err(entry.error(format!(
                "role definition `{}` is not in roleDefinitions.json",
                a.role_definition_id
            )));
        }
        let Some(rules) = policy.rules else {
            return Err(entry.error(
                "the policy has no `rules`: save the list with \
                                    `$expand=policy($expand=rules)`",
            ));
        };
        Ok(Some(PolicyEntry {
            role_definition_id: a.role_definition_id.into(),
            scope_id: policy
                .scope_id
                .or(a.scope_id)
                .unwrap_or_else(|| "/".into())
                .into(),
            scope_type,
            rules: rules_of(entry, rules)?,
        }))
    }
}

/// A policy's rules, each read as Graph writes it; an error names the rule.
fn rules_of(entry: &Entry, rules: Vec<Value>) -> Result<Vec<PolicyRule>, FolderError> {
    rules
        .into_iter()
        .enumerate()
        .map(|(i, rule)| {
            let id = rule
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("rule {}", i + 1), |id| format!("rule `{id}`"));
            PolicyRule::from_json(rule).map_err(|e| entry.error(format!("{id}: {e}")))
        })
        .collect()
}
