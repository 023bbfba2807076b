//! Tenant files: the directory and role settings a tenant starts with, and the commands that
//! set it up.
//!
//! A tenant file is a JSON object with two optional fields:
//!
//! ```json
//! {"directory": {"users": [{"id": "user1"}]},
//!  "policies": [{"roleDefinitionId": "…", "rules": [ … ]}]}
//! ```
//!
//! `directory` is a [`DirectorySnapshot`] (empty when absent), `policies` a list of
//! [`PolicyEntry`] (none when absent or `null`). Setting the tenant up is, as the host itself,
//! one `importDirectory` command, then one `setPolicy` command per entry, in order
//! ([`Tenant::commands`]). The npm package's `loadTenant`, the scenario runner (a scenario file
//! holds the same two fields) and `pim-host serve --demo` all load tenants this way.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};

use crate::engine::{CallContext, Command, Engine};
use crate::error::{ApplyError, CommandError, Decision, DecisionError};
use crate::event::Event;
use crate::time::Instant;
use crate::wire::{DirectorySnapshot, PolicyEntry};

/// A tenant: its directory and role settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    /// Users, groups, service principals, role definitions and existing assignments.
    pub directory: DirectorySnapshot,
    /// Role settings, applied in order after the directory.
    pub policies: Vec<PolicyEntry>,
}

/// Why a tenant file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    /// The tenant is not a JSON object.
    #[error("a tenant is an object")]
    NotAnObject,
    /// `policies` is neither a list nor `null`.
    #[error("`policies` must be an array")]
    PoliciesNotAnArray,
    /// An entry of `policies` is not an object.
    #[error("a policy is an object")]
    PolicyNotAnObject,
    /// A field other than `directory` and `policies`.
    #[error("unknown field `{0}`, expected `directory` or `policies`")]
    UnknownField(String),
    /// The text is not JSON, or the directory or a policy is malformed.
    #[error("{0}")]
    Malformed(String),
}

/// Why a tenant could not be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError<E> {
    /// The engine refused a setup command (a policy breaking a rule, say).
    #[error("the tenant setup was refused: {}", .0.message)]
    Refused(DecisionError),
    /// Deciding or committing a setup command failed.
    #[error(transparent)]
    Failed(E),
}

/// Why a setup could not be decided on an engine ([`Tenant::events`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideError {
    /// The engine refused a command as malformed.
    #[error(transparent)]
    Command(#[from] CommandError),
    /// An event of the setup did not fit the state.
    #[error(transparent)]
    Apply(#[from] ApplyError),
}

/// Reads one command in wire form. Tenants are read as the commands that set them up, so a
/// host that reads commands (the npm package) holds one copy of that code, not two.
fn command(value: Value) -> Result<Command, TenantError> {
    serde_json::from_value(value).map_err(|e| TenantError::Malformed(e.to_string()))
}

impl Tenant {
    /// Reads a tenant file.
    pub fn from_json(text: &str) -> Result<Tenant, TenantError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| TenantError::Malformed(e.to_string()))?;
        Tenant::from_value(value)
    }

    /// Reads a tenant from JSON already parsed.
    pub fn from_value(value: Value) -> Result<Tenant, TenantError> {
        let Value::Object(mut tenant) = value else {
            return Err(TenantError::NotAnObject);
        };
        let directory = tenant.remove("directory").unwrap_or_else(|| json!({}));
        let policies = match tenant.remove("policies") {
            Some(Value::Array(policies)) => policies,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => return Err(TenantError::PoliciesNotAnArray),
        };
        if let Some(key) = tenant.keys().next() {
            return Err(TenantError::UnknownField(key.clone()));
        }
        let directory = match command(json!({ "op": "importDirectory", "directory": directory }))? {
            Command::ImportDirectory { directory } => *directory,
            _ => return Err(TenantError::Malformed("not a directory".into())),
        };
        let policies = policies
            .into_iter()
            .map(|policy| {
                let Value::Object(mut policy) = policy else {
                    return Err(TenantError::PolicyNotAnObject);
                };
                policy.insert("op".into(), "setPolicy".into());
                match command(Value::Object(policy))? {
                    Command::SetPolicy {
                        role_definition_id,
                        scope_id,
                        scope_type,
                        rules,
                    } => Ok(PolicyEntry {
                        role_definition_id,
                        scope_id,
                        scope_type,
                        rules,
                    }),
                    _ => Err(TenantError::Malformed("not a policy".into())),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Tenant {
            directory,
            policies,
        })
    }

    /// The commands that set the tenant up, as the host itself: the directory import, then
    /// each policy.
    pub fn commands(&self) -> Vec<Command> {
        self.clone().into_commands()
    }

    /// [`Tenant::commands`], without copying.
    pub fn into_commands(self) -> Vec<Command> {
        let mut commands = Vec::with_capacity(self.policies.len().saturating_add(1));
        commands.push(Command::ImportDirectory {
            directory: Box::new(self.directory),
        });
        commands.extend(self.policies.into_iter().map(|p| Command::SetPolicy {
            role_definition_id: p.role_definition_id,
            scope_id: p.scope_id,
            scope_type: p.scope_type,
            rules: p.rules,
        }));
        commands
    }

    /// Sets the tenant up through `submit`, which decides a command as the host itself and
    /// commits its events. Stops at the first command that fails or is refused; what was
    /// committed before stays committed.
    pub fn set_up<E>(
        self,
        mut submit: impl FnMut(Command) -> Result<Decision, E>,
    ) -> Result<(), SetupError<E>> {
        for command in self.into_commands() {
            let decision = submit(command).map_err(SetupError::Failed)?;
            if let Some(refusal) = decision.error {
                return Err(SetupError::Refused(refusal));
            }
        }
        Ok(())
    }

    /// The events that set the tenant up on `engine` at `now`, decided on a copy of it: the
    /// engine is unchanged, and a refused setting yields an error and no events.
    pub fn events(
        self,
        engine: &Engine,
        now: Instant,
    ) -> Result<Vec<Event>, SetupError<DecideError>> {
        let mut scratch = engine.clone();
        let mut log = Vec::new();
        self.set_up(|command| {
            let outcome = scratch.execute(&command, &CallContext::system(), now)?;
            for event in &outcome.events {
                scratch.apply(event)?;
            }
            log.extend(outcome.events);
            Ok::<_, DecideError>(outcome.decision)
        })?;
        Ok(log)
    }
}

impl<'de> Deserialize<'de> for Tenant {
    /// Reads a tenant as [`Tenant::from_value`] does.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Tenant::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// `policies` in a file that also holds other fields (a scenario file): a list, or `null` for
/// none, as in a tenant file.
pub(crate) fn policies_or_null<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<PolicyEntry>, D::Error> {
    Ok(Option::<Vec<PolicyEntry>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

    #[test]
    fn reads_the_union_of_what_hosts_accept() {
        let empty = Tenant::from_json("{}").expect("the test input is valid");
        assert_eq!(empty, Tenant::default());
        let null = Tenant::from_json(r#"{"policies": null}"#).expect("the test input is valid");
        assert_eq!(null, Tenant::default());
        let t = Tenant::from_json(&alloc::format!(
            r#"{{"directory": {{"users": [{{"id": "u1"}}]}},
                "policies": [{{"roleDefinitionId": "{EXCHANGE}", "rules": []}}]}}"#
        ))
        .expect("the test input is valid");
        assert_eq!(t.directory.users.len(), 1);
        assert_eq!(t.policies[0].scope_id, "/");
        let commands = t.commands();
        assert_eq!(commands.len(), 2);
        assert!(matches!(commands[0], Command::ImportDirectory { .. }));
        assert!(matches!(commands[1], Command::SetPolicy { .. }));
        let again: Tenant =
            serde_json::from_str(&serde_json::to_string(&t).expect("the test input is valid"))
                .expect("the test input is valid");
        assert_eq!(again, t);
    }

    #[test]
    fn says_what_is_wrong() {
        let e = |text: &str| Tenant::from_json(text).unwrap_err().to_string();
        assert_eq!(e("[]"), "a tenant is an object");
        assert_eq!(
            e(r#"{"directory": {}, "extra": 1}"#),
            "unknown field `extra`, expected `directory` or `policies`"
        );
        assert_eq!(e(r#"{"policies": 1}"#), "`policies` must be an array");
        assert_eq!(e(r#"{"policies": [1]}"#), "a policy is an object");
        assert!(e(r#"{"directory": {"users": 1}}"#).starts_with("invalid type"));
        assert!(e("{").contains("EOF"));
    }

    #[test]
    fn events_leave_the_engine_unchanged() {
        let now = parse_instant("2026-03-02T09:00:00Z").expect("the test input is valid");
        let engine = Engine::new();
        let t = Tenant::from_json(r#"{"directory": {"users": [{"id": "u1"}]}}"#)
            .expect("the test input is valid");
        let events = t.events(&engine, now).expect("the test input is valid");
        assert!(!events.is_empty());
        assert_eq!(engine.clock(), None);
        let bad = Tenant::from_json(&alloc::format!(
            r#"{{"policies": [{{"roleDefinitionId": "{EXCHANGE}", "rules": [
                {{"id": "Expiration_EndUser_Assignment", "maximumDuration": "PT48H"}}]}}]}}"#
        ))
        .map_err(drop)
        .and_then(|t| t.events(&engine, now).map_err(drop));
        assert!(bad.is_err());
        assert_eq!(engine.clock(), None);
    }
}
