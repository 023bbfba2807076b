//! Schedules and their instances: `roleEligibilitySchedules`, `roleAssignmentSchedules`,
//! `roleEligibilityScheduleInstances`, `roleAssignmentScheduleInstances`, and the active grants
//! as `roleAssignments`: list (readers), by id, and `filterByCurrentUser(on='principal')`.

use std::sync::Arc;

use axum::extract::{Path, State};
use pim_core::schedule::{AssignmentType, Schedule};
use pim_core::{Query, QueryResult, ScheduleFilter, ScheduleWindow};
use pim_odata::{Capabilities, QueryOptions};
use serde_json::Value;

use super::extract::Caller;
use super::odata::{self, GraphUrl};
use super::{ApiError, ApiResult, AppState, Routes, Shared, VERSIONS};
use crate::graph;
use crate::store::Store;

/// One of the schedule collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collection {
    EligibilitySchedules,
    AssignmentSchedules,
    EligibilityInstances,
    AssignmentInstances,
    RoleAssignments,
}

const ALL: [Collection; 5] = [
    Collection::EligibilitySchedules,
    Collection::AssignmentSchedules,
    Collection::EligibilityInstances,
    Collection::AssignmentInstances,
    Collection::RoleAssignments,
];

const FILTERABLE: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
    "memberType",
    "assignmentType",
    "status",
    "startDateTime",
    "endDateTime",
    "scheduleInfo/startDateTime",
    "scheduleInfo/expiration/endDateTime",
];

const CAPS: Capabilities<'static> = Capabilities {
    filterable: FILTERABLE,
    orderable: FILTERABLE,
    expandable: &["principal", "roleDefinition"],
    selectable: &[
        "id",
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
        "memberType",
        "createdUsing",
        "createdDateTime",
        "modifiedDateTime",
        "status",
        "scheduleInfo",
        "assignmentType",
        "startDateTime",
        "endDateTime",
        "roleAssignmentScheduleId",
        "roleAssignmentOriginId",
        "roleEligibilityScheduleId",
        "principal",
        "roleDefinition",
        "directoryScope",
        "appScope",
        "activatedUsing",
    ],
    count: true,
    max_top: 999,
    default_page: 100,
};

/// `roleAssignments`: the grant's own properties only.
const GRANT_FIELDS: &[&str] = &[
    "id",
    "principalId",
    "roleDefinitionId",
    "directoryScopeId",
    "appScopeId",
];

const GRANT_CAPS: Capabilities<'static> = Capabilities {
    filterable: GRANT_FIELDS,
    orderable: GRANT_FIELDS,
    expandable: &["principal", "roleDefinition"],
    selectable: &[
        "id",
        "principalId",
        "roleDefinitionId",
        "directoryScopeId",
        "appScopeId",
        "principal",
        "roleDefinition",
    ],
    count: true,
    max_top: 999,
    default_page: 100,
};

impl Collection {
    fn caps(self) -> &'static Capabilities<'static> {
        if self == Collection::RoleAssignments {
            &GRANT_CAPS
        } else {
            &CAPS
        }
    }

    fn segment(self) -> &'static str {
        match self {
            Collection::EligibilitySchedules => "roleEligibilitySchedules",
            Collection::AssignmentSchedules => "roleAssignmentSchedules",
            Collection::EligibilityInstances => "roleEligibilityScheduleInstances",
            Collection::AssignmentInstances => "roleAssignmentScheduleInstances",
            Collection::RoleAssignments => "roleAssignments",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Collection::EligibilitySchedules => "The eligibility schedules",
            Collection::AssignmentSchedules => "The active assignment schedules",
            Collection::EligibilityInstances => "The eligibilities in effect",
            Collection::AssignmentInstances => "The active assignments in effect",
            Collection::RoleAssignments => "The active grants",
        }
    }

    fn context(self) -> String {
        format!("roleManagement/directory/{}", self.segment())
    }

    fn filter(self) -> ScheduleFilter {
        let (kind, window) = match self {
            Collection::EligibilitySchedules => (AssignmentType::Eligible, ScheduleWindow::Current),
            Collection::AssignmentSchedules => (AssignmentType::Active, ScheduleWindow::Current),
            Collection::EligibilityInstances => {
                (AssignmentType::Eligible, ScheduleWindow::InEffect)
            }
            Collection::AssignmentInstances | Collection::RoleAssignments => {
                (AssignmentType::Active, ScheduleWindow::InEffect)
            }
        };
        ScheduleFilter {
            kind: Some(kind),
            window,
            ..ScheduleFilter::default()
        }
    }

    fn shape(self, s: &Schedule, viewer: Option<&str>) -> Value {
        match self {
            Collection::EligibilitySchedules | Collection::AssignmentSchedules => {
                graph::schedule(s, viewer)
            }
            Collection::EligibilityInstances | Collection::AssignmentInstances => {
                graph::instance(s, viewer)
            }
            Collection::RoleAssignments => graph::role_assignment(s),
        }
    }
}

pub(super) fn routes<S: Store + 'static>() -> Routes<S> {
    let mut r = Routes::new();
    for version in VERSIONS {
        for c in ALL {
            let path = format!("/{version}/roleManagement/directory/{}", c.segment());
            r = r
                .get(
                    &path,
                    c.summary(),
                    move |State(s): Shared<S>, url: GraphUrl, caller: Caller| {
                        list(s, c, url, caller)
                    },
                )
                .get(
                    &format!("{path}/{{id}}"),
                    "One item by id, or filterByCurrentUser(on='principal')",
                    move |State(s): Shared<S>,
                          Path(id): Path<String>,
                          url: GraphUrl,
                          caller: Caller| { item(s, c, id, url, caller) },
                );
        }
    }
    r
}

/// `GET …/{collection}`: every schedule of the collection, to a caller who reads all.
async fn list<S: Store + 'static>(
    s: Arc<AppState<S>>,
    c: Collection,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(c.caps())?;
    s.reader(&caller, "every assignment (use filterByCurrentUser)")
        .await?;
    // No filter is pushed down to the core: `$filter` compares strings ignoring case, the
    // core's ids do not.
    let items = shaped(&s, c, c.filter(), None, &opts).await?;
    odata::keep_expanded(&mut opts);
    Ok(url.collection(&c.context(), items, &opts, c.caps()))
}

/// `GET …/{collection}/{id}`: one schedule, to a reader or its holder; or
/// `filterByCurrentUser(on='principal')`: the caller's own and their groups'.
async fn item<S: Store + 'static>(
    s: Arc<AppState<S>>,
    c: Collection,
    id: String,
    url: GraphUrl,
    caller: Caller,
) -> ApiResult {
    let mut opts = url.options(c.caps())?;
    let access = s.access(&caller).await?;
    let me = access.principal_id.to_string();
    let mine = ScheduleFilter {
        principal_id: Some(access.principal_id.clone()),
        through_groups: true,
        ..c.filter()
    };
    if let Some(on) = odata::filter_by_current_user(&id) {
        if on != "principal" || c == Collection::RoleAssignments {
            return Err(ApiError::Query(format!(
                "filterByCurrentUser: `on` must be 'principal' here, not '{on}'"
            )));
        }
        let items = shaped(&s, c, mine, Some(&me), &opts).await?;
        odata::keep_expanded(&mut opts);
        let fragment = format!("Collection({})", graph_type(c));
        return Ok(url.collection(&fragment, items, &opts, c.caps()));
    }
    let filter = if access.reads_all() { c.filter() } else { mine };
    let viewer = (!access.reads_all()).then_some(me.as_str());
    let items = shaped(&s, c, filter, viewer, &opts).await?;
    match items.into_iter().find(|v| v["id"] == id.as_str()) {
        Some(found) => Ok(url.selected(&c.context(), found, &opts)),
        None if !access.reads_all() && exists(&s, c, &id).await? => {
            Err(ApiError::forbidden(&access, "this assignment"))
        }
        None => Err(ApiError::NotFound(format!(
            "no {} with id `{id}`",
            c.segment()
        ))),
    }
}

/// Whether the collection holds `id` at all (to tell "not yours" from "no such").
async fn exists<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    c: Collection,
    id: &str,
) -> Result<bool, ApiError> {
    let filter = c.filter();
    let id = id.to_owned();
    s.with_reader(move |svc, now| {
        Ok(match svc.query(&Query::ScheduleList(filter), now)? {
            QueryResult::Schedules(list) => list.iter().any(|s| s.id.as_str() == id),
            _ => false,
        })
    })
    .await
}

/// The Graph type name of a collection's items, for `filterByCurrentUser`'s context.
fn graph_type(c: Collection) -> &'static str {
    match c {
        Collection::EligibilitySchedules => "microsoft.graph.unifiedRoleEligibilitySchedule",
        Collection::AssignmentSchedules => "microsoft.graph.unifiedRoleAssignmentSchedule",
        Collection::EligibilityInstances => {
            "microsoft.graph.unifiedRoleEligibilityScheduleInstance"
        }
        Collection::AssignmentInstances => "microsoft.graph.unifiedRoleAssignmentScheduleInstance",
        Collection::RoleAssignments => "microsoft.graph.unifiedRoleAssignment",
    }
}

/// The schedules `filter` lists, in Graph's shape, with `principal` and `roleDefinition`
/// expanded when asked; one reader call.
async fn shaped<S: Store + 'static>(
    s: &Arc<AppState<S>>,
    c: Collection,
    filter: ScheduleFilter,
    viewer: Option<&str>,
    opts: &QueryOptions,
) -> Result<Vec<Value>, ApiError> {
    let viewer = viewer.map(str::to_owned);
    let expansions = odata::Expansions::of(opts);
    let (schedules, names) = s
        .with_reader(move |svc, now| {
            let QueryResult::Schedules(list) = svc.query(&Query::ScheduleList(filter), now)? else {
                return Ok((Vec::new(), graph::Names::default()));
            };
            let ids = list.iter().map(|s| s.principal_id.clone()).collect();
            Ok((list, odata::names(svc, ids, now)?))
        })
        .await?;
    Ok(schedules
        .iter()
        .map(|sch| {
            let mut v = c.shape(sch, viewer.as_deref());
            let about = (sch.principal_id.as_str(), sch.role_definition_id.as_str());
            expansions.fill(&mut v, about, &names);
            v
        })
        .collect())
}
