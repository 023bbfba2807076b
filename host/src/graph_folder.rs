//! A tenant as a folder of saved Microsoft Graph responses: `pim-host import DIR` reads one
//! into a new database, `pim-host export DIR` writes one from a database.
//!
//! The folder holds one Graph collection response per list, as a Graph client receives it
//! (`{"@odata.context", "value": [...], "@odata.nextLink"?}`):
//!
//! | file | Graph request |
//! |---|---|
//! | `users.json` | `GET /users?$expand=manager` (`manager` is optional) |
//! | `groups.json` | `GET /groups` |
//! | `groups/{id}/members.json` | `GET /groups/{id}/members` |
//! | `servicePrincipals.json` | `GET /servicePrincipals` |
//! | `roleDefinitions.json` | `GET /roleManagement/directory/roleDefinitions` |
//! | `roleEligibilitySchedules.json` | `GET /roleManagement/directory/roleEligibilitySchedules` |
//! | `roleAssignmentSchedules.json` | `GET /roleManagement/directory/roleAssignmentSchedules` |
//! | `roleManagementPolicyAssignments.json` | `GET /policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole'&$expand=policy($expand=rules)` |
//!
//! A list of several pages is saved as `NAME.json` (the first page), `NAME.2.json`,
//! `NAME.3.json`, … (`members.json`, `members.2.json`, … likewise); a missing file is an empty
//! list. Files the layout does not name are reported as warnings, never read.
//!
//! Import maps the folder to one `importDirectory` command and one `setPolicy` command per
//! policy, decides them all with the guest on a scratch log, and commits the events to the
//! database in one transaction only when every one was accepted: a bad folder commits nothing.
//! host/README.md ("Running your own tenant's rules offline") lists what pim keeps.

mod pages;
mod read;
mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use pim_core::{CallContext, Command, Event, Instant};

use crate::graph::PolicyIds;
use crate::service::{Service, ServiceError};
use crate::store::{MemoryStore, Store, StoreError};

pub use read::Folder;

/// The collections of the folder, by file name (without `.json`).
pub const COLLECTIONS: [&str; 7] = [
    "users",
    "groups",
    "servicePrincipals",
    "roleDefinitions",
    "roleEligibilitySchedules",
    "roleAssignmentSchedules",
    "roleManagementPolicyAssignments",
];

/// Where an item of the folder is: its file, its place in the file's `value` and its `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The page it was read from.
    pub file: PathBuf,
    /// Its position in the page's `value`, from 1.
    pub position: usize,
    /// Its `id`, if it has one.
    pub id: Option<String>,
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} item {}", self.file.display(), self.position)?;
        match &self.id {
            Some(id) => write!(f, " (id `{id}`)"),
            None => Ok(()),
        }
    }
}

/// Why a folder could not be imported or exported.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// A file or directory could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A file is not JSON.
    #[error("{}: not valid JSON: {error}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where and why.
        error: serde_json::Error,
    },
    /// A file is JSON but not a Graph collection response.
    #[error("{}: not a Graph collection response: {reason}", path.display())]
    NotACollection {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A page says more follow (`@odata.nextLink`) but the next page's file is missing.
    #[error(
        "{}: the page has an @odata.nextLink but the next page, {}, is missing (the download \
         stopped early?)",
        page.display(),
        next.display()
    )]
    MissingPage {
        /// The page with the link.
        page: PathBuf,
        /// The file expected.
        next: PathBuf,
    },
    /// An item pim cannot take.
    #[error("{item}: {reason}")]
    Item {
        /// The item.
        item: Item,
        /// Why.
        reason: String,
    },
    /// The engine refused the folder's directory or one of its policies.
    #[error("{what} was refused: {message}")]
    Refused {
        /// What was refused.
        what: String,
        /// The engine's reason.
        message: String,
    },
    /// Import fills only a new database.
    #[error("the database already holds {events} events; import into a new database")]
    NotEmpty {
        /// Events in the database.
        events: u64,
    },
    /// Export writes only a new folder.
    #[error("{}: not empty; export into a new folder", path.display())]
    NotEmptyFolder {
        /// The folder.
        path: PathBuf,
    },
    /// The guest answered a query with another kind of result.
    #[error("the guest answered {0} with something else")]
    Answer(&'static str),
    /// The service failed.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FolderError {
    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FolderError + '_ {
        move |error| FolderError::Io {
            path: path.to_owned(),
            error,
        }
    }
}

/// What the folder held that pim does not take, grouped by reason.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Warnings {
    by_reason: BTreeMap<String, Vec<String>>,
}

/// How many places a warning names before it only counts.
const NAMED: usize = 5;

impl Warnings {
    /// Notes that `what` (a file or an item) was left out or changed, because of `reason`.
    pub fn add(&mut self, reason: impl Into<String>, what: impl fmt::Display) {
        self.by_reason
            .entry(reason.into())
            .or_default()
            .push(what.to_string());
    }

    /// Whether there is nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.by_reason.is_empty()
    }

    /// One line per reason: the reason, then the first few places and how many more.
    pub fn lines(&self) -> Vec<String> {
        self.by_reason
            .iter()
            .map(|(reason, places)| {
                let mut line =
                    format!("{reason}: {}", places[..places.len().min(NAMED)].join("; "));
                if places.len() > NAMED {
                    line.push_str(&format!("; and {} more", places.len() - NAMED));
                }
                line
            })
            .collect()
    }
}

/// What an import took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Users, groups, service principals, role definitions, eligible and active schedules, and
    /// policies imported.
    pub counts: Counts,
    /// Events committed.
    pub events: u64,
    /// What was left out or changed.
    pub warnings: Warnings,
}

/// How many objects of each kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Users.
    pub users: usize,
    /// Groups.
    pub groups: usize,
    /// Service principals.
    pub service_principals: usize,
    /// Role definitions (those pim does not know already).
    pub role_definitions: usize,
    /// Eligibility schedules.
    pub eligible: usize,
    /// Assignment schedules.
    pub active: usize,
    /// Role management policies.
    pub policies: usize,
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} users, {} groups, {} service principals, {} role definitions, {} eligibility \
             schedules, {} assignment schedules, {} policies",
            self.users,
            self.groups,
            self.service_principals,
            self.role_definitions,
            self.eligible,
            self.active,
            self.policies
        )
    }
}

/// Imports the folder `dir` into `service`'s log, which must be empty, at `now`. Nothing is
/// committed unless the whole folder is accepted.
pub fn import<S: Store>(
    dir: &Path,
    service: &mut Service<S>,
    now: Instant,
) -> Result<Imported, FolderError> {
    ensure_empty(service)?;
    let folder = Folder::read(dir)?;
    let events = decide(service, &folder, now)?;
    // One append: all of it, or (another writer got there first) none of it.
    service.commit(&events)?;
    Ok(Imported {
        counts: folder.counts(),
        events: events.len() as u64,
        warnings: folder.warnings,
    })
}

fn ensure_empty<S: Store>(service: &mut Service<S>) -> Result<(), FolderError> {
    service.catch_up()?;
    match service.head() {
        0 => Ok(()),
        events => Err(FolderError::NotEmpty { events }),
    }
}

/// The events of the folder's commands, each decided by `service`'s guest on a scratch log
/// in memory; the first refusal is an error naming what was refused.
fn decide<S: Store>(
    service: &Service<S>,
    folder: &Folder,
    now: Instant,
) -> Result<Vec<Event>, FolderError> {
    let mut scratch = Service::open(service.guest().clone(), MemoryStore::new())?;
    let import = Command::ImportDirectory {
        directory: Box::new(folder.directory.clone()),
    };
    submit(&mut scratch, &import, now, || {
        "the directory (users, groups, service principals, role definitions, schedules)".into()
    })?;
    for (item, command) in folder.policy_commands() {
        submit(&mut scratch, &command, now, || {
            format!("the policy of {item}")
        })?;
    }
    Ok(scratch.store_mut().events_after(0)?)
}

/// Submits one command as the host itself; a refusal or an input error is
/// [`FolderError::Refused`], naming `what`.
fn submit(
    scratch: &mut Service<MemoryStore>,
    command: &Command,
    now: Instant,
    what: impl Fn() -> String,
) -> Result<(), FolderError> {
    let refused = |message: String| FolderError::Refused {
        what: what(),
        message,
    };
    match scratch.submit(command, &CallContext::system(), now) {
        Ok(decision) => match decision.error {
            None => Ok(()),
            Some(e) => Err(refused(format!("{}: {}", e.code, e.message))),
        },
        Err(e) => match e.invalid_message() {
            Some(message) => Err(refused(message)),
            None => Err(e.into()),
        },
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Objects written, by kind.
    pub counts: Counts,
    /// The files written, relative to the folder.
    pub files: Vec<PathBuf>,
}

/// Writes `service`'s tenant as it stands at `now` into the folder `dir` (created; it must
/// be empty if it exists), naming policies with `ids`.
pub fn export<S: Store>(
    service: &mut Service<S>,
    dir: &Path,
    now: Instant,
    ids: &PolicyIds,
) -> Result<Exported, FolderError> {
    write::export(service, dir, now, ids)
}
