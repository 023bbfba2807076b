//! `Engine`: a tenant's state in the page or the process. Commands decide and return events; the
//! host persists them (optionally through a `persist` callback) and applies them.

use js_sys::Function;
use pim_core::event::Event;
use pim_core::tenant::DecideError;
use pim_core::{
    CallContext, Command, Decision, EligibilityWindow, Engine as Core, Outcome, SettleError,
    SetupError, Tenant,
};
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::wasm_bindgen;

use super::clock::instant;
use super::convert::{from_js, from_js_or_default, from_value, to_js};
use super::error::{command_error, decision_error, invalid};
use super::types::ActivationForm;

/// A PIM engine holding one tenant's state: the projection of its event log.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    pub(super) core: Core,
    persist: Option<Function>,
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// An empty tenant that knows only Entra's built-in roles. `persist`, when given, receives
    /// every batch of events `loadTenant`, `submit`, `advance` and `commit` produce, before the
    /// engine applies them; if it throws, nothing is applied.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "(events: Event[]) => void")]
        persist: Option<Function>,
    ) -> JsEngine {
        JsEngine::with(Core::new(), persist)
    }

    /// Loads a tenant as the host itself: imports the directory, then sets each policy. Commits
    /// the events and returns them. Throws on malformed input or a refused setting.
    #[wasm_bindgen(js_name = loadTenant, unchecked_return_type = "Event[]")]
    pub fn load_tenant(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Tenant")] tenant: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let tenant = Tenant::from_value(from_js(tenant)?)
            .map_err(|e| invalid(&format!("malformed input: {e}")))?;
        let now = instant(&now)?;
        // Decided on a scratch copy first, so a bad policy leaves the engine as it was.
        let log = tenant.events(&self.core, now).map_err(|e| match e {
            SetupError::Refused(error) => decision_error(&error),
            SetupError::Failed(DecideError::Command(e)) => command_error(&e),
            SetupError::Failed(DecideError::Apply(e)) => invalid(&e.to_string()),
        })?;
        self.commit_events(&log)?;
        to_js(&log)
    }

    /// Decides a command at `now` without changing anything: the decision and the events that
    /// carry it out, for the host to persist and `apply`. A refusal by the rules is a decision
    /// (`decision.error`), not an exception; malformed input throws.
    #[wasm_bindgen(unchecked_return_type = "Outcome")]
    pub fn execute(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Command")] command: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallContext")] context: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.decide(command, context, &now)?)
    }

    /// Decides a command and commits its events (`persist`, then apply). Returns the decision;
    /// throws a `PimError` with `code` and `failedRules` when the rules refuse it (after
    /// committing the refusal's audit event).
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn submit(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Command")] command: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CallContext")] context: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let Outcome { decision, events } = self.decide(command, context, &now)?;
        self.commit_events(&events)?;
        refused(&decision)?;
        to_js(&decision)
    }

    /// The events time alone causes up to `now` (activations expiring, approvals timing out,
    /// scheduled starts), without changing anything.
    #[wasm_bindgen(unchecked_return_type = "Event[]")]
    pub fn tick(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.core.tick(instant(&now)?))
    }

    /// `tick`, then commits the events it returns, until time has settled (one change can
    /// schedule the next, such as a review's next instance). Returns every event committed.
    #[wasm_bindgen(unchecked_return_type = "Event[]")]
    pub fn advance(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let now = instant(&now)?;
        let mut all = Vec::new();
        pim_core::settle(
            self,
            pim_core::settle::MAX_ROUNDS,
            |engine| Ok(engine.core.tick(now)),
            |engine, events| {
                engine.commit_events(&events)?;
                all.extend(events);
                Ok(())
            },
        )
        .map_err(|e| match e {
            SettleError::Unsettled(why) => invalid(&why.to_string()),
            SettleError::Failed(e) => e,
        })?;
        to_js(&all)
    }

    /// The gateway question: is the principal active in the role at the scope (`/` when
    /// omitted; app scopes as `app:{id}`) now? Plain strings in, a boolean out.
    pub fn check(
        &self,
        #[wasm_bindgen(js_name = principalId)] principal_id: &str,
        #[wasm_bindgen(js_name = roleDefinitionId)] role_definition_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] scope: Option<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<bool, JsValue> {
        let scope = scope.as_deref().unwrap_or("/");
        Ok(self
            .core
            .check(principal_id, role_definition_id, scope, instant(&now)?)
            .active)
    }

    /// `check` with the details: until when, and how the role is held.
    #[wasm_bindgen(js_name = checkDetails, unchecked_return_type = "Check")]
    pub fn check_details(
        &self,
        #[wasm_bindgen(js_name = principalId)] principal_id: &str,
        #[wasm_bindgen(js_name = roleDefinitionId)] role_definition_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] scope: Option<String>,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let scope = scope.as_deref().unwrap_or("/");
        to_js(
            &self
                .core
                .check(principal_id, role_definition_id, scope, instant(&now)?),
        )
    }

    /// A request as it stands at `now`. Throws `InvalidRequest` for an unknown id.
    #[wasm_bindgen(unchecked_return_type = "RequestRecord")]
    pub fn status(
        &self,
        #[wasm_bindgen(js_name = requestId)] request_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let record = self
            .core
            .request(request_id, instant(&now)?)
            .ok_or_else(|| {
                command_error(&pim_core::CommandError::UnknownRequest(request_id.into()))
            })?;
        to_js(&record)
    }

    /// Audit records matching `filter` (every record when omitted) and within the retention
    /// period at `now`, oldest first.
    #[wasm_bindgen(unchecked_return_type = "AuditRecord[]")]
    pub fn audit(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "AuditFilter")] filter: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let filter: pim_core::AuditFilter = from_js_or_default(filter)?;
        to_js(&self.core.audit(&filter, instant(&now)?))
    }

    /// The roles the principal may activate (directly or through groups), with what activating
    /// each requires.
    #[wasm_bindgen(js_name = eligibleRoles, unchecked_return_type = "EligibleRole[]")]
    pub fn eligible_roles(
        &self,
        #[wasm_bindgen(js_name = principalId)] principal_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.core.eligible_roles(principal_id, instant(&now)?))
    }

    /// Requests the approver may answer now, oldest first.
    #[wasm_bindgen(js_name = pendingApprovals, unchecked_return_type = "RequestRecord[]")]
    pub fn pending_approvals(
        &self,
        #[wasm_bindgen(js_name = approverId)] approver_id: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        to_js(&self.core.pending_approvals(approver_id, instant(&now)?))
    }

    /// Evaluates an activation form for one of the principal's eligible roles against the role
    /// settings the engine holds, without changing anything: every failed rule, whether approval
    /// is needed and the window that would be granted. The stateless `evaluateActivation` does
    /// the same from Graph rules; this one is cheaper (no rules cross the boundary).
    #[wasm_bindgen(js_name = evaluateActivation, unchecked_return_type = "ActivationDecision")]
    pub fn evaluate_activation(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ActivationForm")] form: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Now")] now: JsValue,
    ) -> Result<JsValue, JsValue> {
        let ActivationForm {
            role,
            input,
            context,
        } = from_js(form)?;
        let text = |key: &str| role.get(key).and_then(Value::as_str);
        let role_id = text("roleDefinitionId")
            .ok_or_else(|| invalid("malformed input: the role needs a `roleDefinitionId`"))?;
        let scope = text("scope").unwrap_or("/");
        let mut window = Map::new();
        for key in ["startDateTime", "endDateTime"] {
            if let Some(v) = role.get(key) {
                window.insert(key.into(), v.clone());
            }
        }
        let eligibility: EligibilityWindow = from_value(Value::Object(window))?;
        let settings = &self.core.policy(role_id, scope).settings;
        let decision =
            pim_core::evaluate_activation(settings, &eligibility, &input, &context, instant(&now)?)
                .map_err(|e| command_error(&e))?;
        to_js(&decision)
    }

    /// The role settings (all 17 Graph rules) in effect for a role at a scope (`/` when omitted).
    #[wasm_bindgen(unchecked_return_type = "PolicyRule[]")]
    pub fn policy(
        &self,
        #[wasm_bindgen(js_name = roleDefinitionId)] role_definition_id: &str,
        #[wasm_bindgen(js_name = scopeId, unchecked_optional_param_type = "string")]
        scope_id: Option<String>,
    ) -> Result<JsValue, JsValue> {
        let scope = scope_id.as_deref().unwrap_or("/");
        to_js(&self.core.policy(role_definition_id, scope).rules)
    }

    /// The latest time any applied event carried (RFC 3339), if any.
    #[wasm_bindgen(getter)]
    pub fn clock(&self) -> Option<String> {
        self.core
            .clock()
            .map(|t| pim_core::time::format_instant(&t))
    }
}

impl JsEngine {
    /// An engine over `core`.
    pub(super) fn with(core: Core, persist: Option<Function>) -> JsEngine {
        JsEngine { core, persist }
    }

    /// Applies one event.
    pub(super) fn apply_one(&mut self, event: &Event) -> Result<(), JsValue> {
        self.core.apply(event).map_err(|e| invalid(&e.to_string()))
    }

    fn decide(
        &self,
        command: JsValue,
        context: JsValue,
        now: &JsValue,
    ) -> Result<Outcome, JsValue> {
        let command: Command = from_js(command)?;
        let context: CallContext = from_js_or_default(context)?;
        self.core
            .execute(&command, &context, instant(now)?)
            .map_err(|e| command_error(&e))
    }

    /// `persist`, then apply.
    pub(super) fn commit_events(&mut self, events: &[Event]) -> Result<(), JsValue> {
        if events.is_empty() {
            return Ok(());
        }
        if let Some(persist) = &self.persist {
            persist.call1(&JsValue::NULL, &to_js(events)?)?;
        }
        events.iter().try_for_each(|e| self.apply_one(e))
    }
}

/// A refusal as an exception.
fn refused(decision: &Decision) -> Result<(), JsValue> {
    match &decision.error {
        Some(error) => Err(decision_error(error)),
        None => Ok(()),
    }
}
