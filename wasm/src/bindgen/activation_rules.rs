//! `ActivationRules`: a role's settings read once (from Graph rules, or the engine's for a role
//! and scope) and kept in WebAssembly memory, then reused for every activation form evaluated
//! against them: no rules cross the boundary per evaluation.
//!
//! Two ways in for a form. `evaluate` reads the form object as every other function does
//! (serde-wasm-bindgen, a few calls into JS per field). `evaluateParts`, which the package's
//! JavaScript layer calls instead when the form has the common shape, takes the form's fields as
//! plain arguments (strings, a boolean, presence flags) and reads each with the very
//! deserializer the wire type uses for it; it answers `undefined` for anything it cannot read
//! (a bad time, a bad duration, a command error), and the layer then calls `evaluate`, whose
//! answer or error is the canonical one. Both give the same decision (test/fastpaths.test.mjs
//! compares them, and both against the stateless `evaluateActivation`).

use pim_core::policy::{Policy, RoleSettings};
use pim_core::time::parse_instant;
use pim_core::wire::{ExpirationPattern, PolicyRule, PolicyScopeType, RequestSchedule, TicketInfo};
use pim_core::{ActivationInput, CallContext, CommandError, EligibilityWindow, Instant};
use serde::de::DeserializeOwned;
use serde::de::value::{Error as LeafError, StringDeserializer};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::clock::{from_millis, instant};
use super::convert::{from_js, from_js_or_default, to_js};
use super::engine::JsEngine;
use super::error::command_error;
use super::types::ActivationRulesForm;

/// `evaluateParts`' presence flags: `input.scheduleInfo` is an object.
const HAS_SCHEDULE: u32 = 1;
/// `input.scheduleInfo.expiration` is an object.
const HAS_EXPIRATION: u32 = 2;
/// `input.ticketInfo` is an object.
const HAS_TICKET: u32 = 4;

/// A role's settings, read once from its Graph rules, for evaluating many activation forms:
/// `evaluate(form)` decides as the stateless `evaluateActivation({ rules, scopeType, ...form })`
/// does, without reading the rules again. Free it with `free()` (or `using`) when done.
#[wasm_bindgen]
pub struct ActivationRules {
    settings: RoleSettings,
}

#[wasm_bindgen]
impl ActivationRules {
    /// The settings `rules` make (rules left out keep Entra's defaults; none: all defaults).
    /// `scopeType` `Group` is PIM for Groups (no default approvers); `DirectoryRole` when
    /// absent. Throws on a malformed or refused rule, as `evaluateActivation` does.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "PolicyRule[]")] rules: JsValue,
        #[wasm_bindgen(js_name = scopeType, unchecked_optional_param_type = "PolicyScopeType")]
        scope_type: JsValue,
    ) -> Result<ActivationRules, JsValue> {
        let rules: Vec<PolicyRule> = from_js_or_default(rules)?;
        let scope_type: Option<PolicyScopeType> = from_js_or_default(scope_type)?;
        let policy = Policy::updated(None, "", "/", scope_type, &rules)
            .map_err(|e| command_error(&CommandError::Policy(e)))?;
        Ok(ActivationRules {
            settings: policy.settings,
        })
    }

    /// Evaluates an activation form (`{ eligibility, input, context? }`) against these settings,
    /// without state: every failed rule, whether approval is needed and the window that would be
    /// granted. Throws only on malformed input.
    #[wasm_bindgen(unchecked_return_type = "ActivationDecision")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ActivationRulesForm")] form: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let ActivationRulesForm {
            eligibility,
            input,
            context,
        } = from_js(form)?;
        let decision = pim_core::evaluate_activation(
            &self.settings,
            &eligibility,
            &input,
            &context,
            instant(&now)?,
        )
        .map_err(|e| command_error(&e))?;
        to_js(&decision)
    }

    /// `evaluate` with the form's fields as arguments (the package's JavaScript layer calls it):
    /// the decision in `compact` form, or `undefined` when a field does not read or the
    /// evaluation fails (then `evaluate` gives the answer). `now` is `now_text` when given, else
    /// `now_ms`.
    #[wasm_bindgen(js_name = evaluateParts, skip_typescript)]
    #[expect(
        clippy::too_many_arguments,
        reason = "one plain argument per form field is what makes the call cheap"
    )]
    pub fn evaluate_parts(
        &self,
        eligibility_start: String,
        eligibility_end: Option<String>,
        flags: u32,
        schedule_start: Option<String>,
        expiration_type: Option<String>,
        expiration_end: Option<String>,
        expiration_duration: Option<String>,
        justification: Option<String>,
        ticket_number: Option<String>,
        ticket_system: Option<String>,
        caller: Option<String>,
        mfa: bool,
        now_ms: f64,
        now_text: Option<String>,
    ) -> Option<String> {
        let eligibility = EligibilityWindow {
            start_date_time: instant_leaf(eligibility_start)?,
            end_date_time: opt_instant_leaf(eligibility_end)?,
        };
        let schedule_info = if flags & HAS_SCHEDULE == 0 {
            None
        } else {
            Some(RequestSchedule {
                odata_type: None,
                start_date_time: opt_instant_leaf(schedule_start)?,
                expiration: if flags & HAS_EXPIRATION == 0 {
                    None
                } else {
                    Some(ExpirationPattern {
                        odata_type: None,
                        kind: opt_leaf(expiration_type)?,
                        end_date_time: opt_instant_leaf(expiration_end)?,
                        duration: opt_leaf(expiration_duration)?,
                    })
                },
                recurrence: None,
            })
        };
        let ticket_info = if flags & HAS_TICKET == 0 {
            None
        } else {
            Some(TicketInfo {
                odata_type: None,
                ticket_number,
                ticket_system,
            })
        };
        let input = ActivationInput {
            schedule_info,
            justification,
            ticket_info,
            ..ActivationInput::default()
        };
        let context = CallContext {
            caller: opt_leaf(caller)?,
            mfa,
            auth_context: Vec::new(),
        };
        let now = match now_text {
            Some(text) => parse_instant(&text).ok()?,
            None => from_millis(now_ms).ok()?,
        };
        let decision =
            pim_core::evaluate_activation(&self.settings, &eligibility, &input, &context, now)
                .ok()?;
        Some(compact(&decision))
    }
}

/// `compact`'s field separator (U+001F, the unit separator).
const SEPARATOR: char = '\u{1f}';

/// A decision as its fields' wire texts, each followed by `SEPARATOR`, the error's message last
/// (it may hold anything): status, failed rules (joined by `,`), `missingAuthContext`,
/// `requiresApproval`, `breakGlass`, `outsideActivationWindow` and `cappedAtEligibilityEnd`
/// (`0` or `1` each), start, end,
/// maximum duration, error code, the error's failed rules, message. Empty where a field is
/// absent. lib/wrap.mjs (`decisionFrom`) builds the object JSON would give, in the same field
/// order; test/fastpaths.test.mjs compares the two. Cheaper than JSON: no quoting, and a
/// `split` instead of `JSON.parse` on the JavaScript side.
fn compact(d: &pim_core::ActivationDecision) -> String {
    let mut out = String::with_capacity(160);
    let mut field = |text: &str| {
        out.push_str(text);
        out.push(SEPARATOR);
    };
    let rules = |list: &[pim_core::FailedRule]| {
        list.iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    field(d.status.map_or("", |s| s.as_str()));
    field(&rules(&d.failed_rules));
    for flag in [
        d.missing_auth_context,
        d.requires_approval,
        d.break_glass,
        d.outside_activation_window,
        d.capped_at_eligibility_end,
    ] {
        field(if flag { "1" } else { "0" });
    }
    field(&pim_core::time::format_instant(&d.start_date_time));
    field(&pim_core::time::format_instant(&d.end_date_time));
    field(&d.maximum_duration.to_string());
    field(d.error.as_ref().map_or("", |e| e.code.as_str()));
    field(
        &d.error
            .as_ref()
            .map_or(String::new(), |e| rules(&e.failed_rules)),
    );
    if let Some(e) = &d.error {
        out.push_str(&e.message);
    }
    out
}

/// A string field read by its wire type's own deserializer, as from a JSON string; `None` when
/// it does not read.
fn opt_leaf<T: DeserializeOwned>(text: Option<String>) -> Option<Option<T>> {
    match text {
        None => Some(None),
        Some(text) => T::deserialize(StringDeserializer::<LeafError>::new(text))
            .ok()
            .map(Some),
    }
}

/// An instant field, read as `pim_core::time::instant` reads it.
fn instant_leaf(text: String) -> Option<Instant> {
    pim_core::time::instant::deserialize(StringDeserializer::<LeafError>::new(text)).ok()
}

/// An optional instant field, read as `pim_core::time::instant_opt` reads a string.
fn opt_instant_leaf(text: Option<String>) -> Option<Option<Instant>> {
    match text {
        None => Some(None),
        Some(text) => instant_leaf(text).map(Some),
    }
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// The role settings the engine holds now for a role at a scope (`/` when omitted), read
    /// once for evaluating many forms (`rules.evaluate({ eligibility, input, context })`). A
    /// snapshot: a later `setPolicy` does not change it.
    #[wasm_bindgen(js_name = activationRules)]
    pub fn activation_rules(
        &self,
        #[wasm_bindgen(js_name = roleDefinitionId)] role_definition_id: &str,
        #[wasm_bindgen(js_name = scopeId, unchecked_optional_param_type = "string")]
        scope_id: Option<String>,
    ) -> ActivationRules {
        let scope = scope_id.as_deref().unwrap_or("/");
        ActivationRules {
            settings: self.core.policy(role_definition_id, scope).settings.clone(),
        }
    }
}
