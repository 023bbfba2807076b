//! TypeScript definitions: pim-core's wire types (generated at build time from its source by
//! `build/typescript`) and the package's own argument types (derived with tsify).

use pim_core::wire::{DirectorySnapshot, PolicyEntry, PolicyRule, PolicyScopeType};
use pim_core::{ActivationInput, CallContext, EligibilityWindow, ErrorCode, FailedRule};
use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const WIRE_TYPES: &str = include_str!(concat!(env!("OUT_DIR"), "/wire.d.ts"));

/// The package's convention for `now` arguments (read by `clock::instant`).
#[wasm_bindgen(typescript_custom_section)]
const NOW: &str = "/** An instant: RFC 3339 text, milliseconds since the epoch, or a Date; the JS clock when omitted. */
export type Now = string | number | Date;";

/// A tenant to load: its directory and the role settings that differ from Entra's defaults.
#[derive(Debug, Clone, Tsify, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[expect(
    dead_code,
    reason = "declares the TypeScript shape; `engine::tenant_commands` reads it"
)]
pub struct Tenant {
    /// Users, groups, service principals, role definitions and existing assignments.
    pub directory: DirectorySnapshot,
    /// Role settings, applied in order after the directory.
    #[serde(default)]
    pub policies: Vec<PolicyEntry>,
}

/// What the stateless activation evaluation needs: the role's settings, the eligibility and the
/// form.
#[derive(Debug, Clone, Tsify, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationRequest {
    /// The role's settings as Graph rules; rules left out keep Entra's defaults.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
    /// `Group` for PIM for Groups (no default approvers); `DirectoryRole` when absent.
    #[serde(default)]
    pub scope_type: Option<PolicyScopeType>,
    /// The eligibility the activation draws on.
    pub eligibility: EligibilityWindow,
    /// The form: schedule, justification, ticket.
    pub input: ActivationInput,
    /// Who asks and what their session proves (MFA, authentication contexts).
    #[serde(default)]
    pub context: CallContext,
}

/// An activation form for `ActivationRules.evaluate`: what the stateless activation evaluation
/// takes, less the rules (the `ActivationRules` holds them).
#[derive(Debug, Clone, Tsify, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationRulesForm {
    /// The eligibility the activation draws on.
    pub eligibility: EligibilityWindow,
    /// The form: schedule, justification, ticket.
    pub input: ActivationInput,
    /// Who asks and what their session proves (MFA, authentication contexts).
    #[serde(default)]
    pub context: CallContext,
}

/// An activation form for one of the engine's eligible roles: evaluated against the role settings
/// the engine holds for that role and scope.
#[derive(Debug, Clone, Tsify, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationForm {
    /// The eligible role, as `Engine.eligibleRoles` returned it: its `roleDefinitionId`, `scope`,
    /// `startDateTime` and `endDateTime` are used. (Read as JSON and picked by hand: a typed
    /// `EligibleRole` reader would cost the browser build ~1.3 KB gzipped.)
    #[tsify(type = "EligibleRole")]
    pub role: serde_json::Value,
    /// The form: schedule, justification, ticket.
    pub input: ActivationInput,
    /// Who asks and what their session proves (MFA, authentication contexts).
    #[serde(default)]
    pub context: CallContext,
}

/// What every function of the package throws: a JS `Error` named `PimError` with Graph's error
/// code and, for policy validation failures, every failed rule.
#[derive(Debug, Clone, Tsify, Serialize)]
#[serde(rename_all = "camelCase")]
#[expect(
    dead_code,
    reason = "declares the TypeScript shape; `error::pim_error` builds the value"
)]
pub struct PimError {
    /// Always `PimError`.
    pub name: String,
    /// What went wrong, for people.
    pub message: String,
    /// Graph's error code; `InvalidRequest` for malformed input.
    pub code: ErrorCode,
    /// Every failed rule (empty unless the code is `RoleAssignmentRequestPolicyValidationFailed`).
    pub failed_rules: Vec<FailedRule>,
}
