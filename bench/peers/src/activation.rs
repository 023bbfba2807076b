//! The activation-rules question: a role's settings (maximum duration, justification, ticket
//! and MFA required) and an activation form with its request context, judged without state.

use pim_core::policy::Requirements;
use pim_core::{
    ActivationDecision, ActivationInput, CallContext, EligibilityWindow, RoleSettings,
    evaluate_activation,
};
use serde_json::json;

use crate::pim::instant;
use crate::tenant::{NOW, Rng};

/// The role settings every engine is given.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The activation maximum.
    pub max_duration_seconds: i64,
    /// MFA required.
    pub mfa: bool,
    /// Justification required.
    pub justification: bool,
    /// Ticket required.
    pub ticket: bool,
}

/// Eight hours; everything required.
pub const SETTINGS: Settings = Settings {
    max_duration_seconds: 8 * 3_600,
    mfa: true,
    justification: true,
    ticket: true,
};

/// An activation form and its context: starts now, lasts `duration_seconds`.
#[derive(Debug, Clone)]
pub struct Form {
    /// The caller, activating for itself.
    pub principal: String,
    /// Unix seconds; the benchmark's now.
    pub start: i64,
    /// The requested duration.
    pub duration_seconds: i64,
    /// As typed (may be blank).
    pub justification: Option<String>,
    /// As typed (may be blank).
    pub ticket_number: Option<String>,
    /// Whether the session has MFA.
    pub mfa: bool,
    /// The eligibility drawn on.
    pub eligibility_start: i64,
    /// Its end; `None` when permanent.
    pub eligibility_end: Option<i64>,
}

/// What every engine must agree on: allowed or not, the failed enablement and expiration
/// rules (sorted), and the refusal that wins (pim's error code), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Allowed.
    pub allowed: bool,
    /// `ExpirationRule`, `JustificationRule`, `MfaRule`, `TicketingRule`: those failed.
    pub failed_rules: Vec<String>,
    /// The winning refusal.
    pub refusal: Option<String>,
}

const RULES: [&str; 4] = [
    "ExpirationRule",
    "MfaRule",
    "JustificationRule",
    "TicketingRule",
];

impl Verdict {
    /// From the rules a peer reports as fired (its rule names and refusals), taking the
    /// refusal that wins in pim's order: no eligibility, too short, then the failed rules.
    pub fn from_fired(allowed: bool, fired: &[String]) -> Verdict {
        let has = |name: &str| fired.iter().any(|f| f == name);
        let mut failed_rules: Vec<String> = RULES
            .iter()
            .filter(|r| has(r))
            .map(|r| r.to_string())
            .collect();
        failed_rules.sort();
        let refusal = if has("RoleAssignmentDoesNotExist") {
            Some("RoleAssignmentDoesNotExist")
        } else if has("ActiveDurationTooShort") {
            Some("ActiveDurationTooShort")
        } else if !failed_rules.is_empty() {
            Some("RoleAssignmentRequestPolicyValidationFailed")
        } else {
            None
        };
        Verdict {
            allowed,
            failed_rules,
            refusal: refusal.map(String::from),
        }
    }
}

/// pim's stateless evaluation with its inputs built once.
pub struct PimForm {
    /// The eligibility.
    pub eligibility: EligibilityWindow,
    /// The form.
    pub input: ActivationInput,
    /// The caller's session.
    pub ctx: CallContext,
}

/// pim's role settings for [`Settings`]: Graph's defaults with the maximum and requirements
/// set and approval off.
pub fn pim_settings(s: &Settings) -> RoleSettings {
    let mut settings = RoleSettings::default();
    settings.activation.maximum = chrono::TimeDelta::seconds(s.max_duration_seconds);
    settings.activation_requirements = Requirements {
        mfa: s.mfa,
        justification: s.justification,
        ticket: s.ticket,
    };
    settings.approval.required = false;
    settings.activation_auth_context = None;
    settings
}

impl PimForm {
    /// The form as pim reads it.
    pub fn new(f: &Form) -> PimForm {
        let mut body = json!({
            "scheduleInfo": {
                "expiration": { "type": "afterDuration", "duration": format!("PT{}S", f.duration_seconds) }
            }
        });
        if let Some(j) = &f.justification {
            body["justification"] = json!(j);
        }
        if let Some(n) = &f.ticket_number {
            body["ticketInfo"] = json!({ "ticketNumber": n, "ticketSystem": "ServiceNow" });
        }
        let ctx = CallContext::user(&f.principal);
        PimForm {
            eligibility: EligibilityWindow {
                start_date_time: instant(f.eligibility_start),
                end_date_time: f.eligibility_end.map(instant),
            },
            input: serde_json::from_value(body).expect("the form parses"),
            ctx: if f.mfa { ctx.with_mfa() } else { ctx },
        }
    }

    /// The decision.
    pub fn decide(&self, settings: &RoleSettings) -> ActivationDecision {
        evaluate_activation(
            settings,
            &self.eligibility,
            &self.input,
            &self.ctx,
            instant(NOW),
        )
        .expect("a well-formed schedule")
    }

    /// The verdict, in the cross-check's terms.
    pub fn verdict(&self, settings: &RoleSettings) -> Verdict {
        let d = self.decide(settings);
        let mut failed_rules: Vec<String> = d
            .failed_rules
            .iter()
            .map(|r| r.as_str().to_string())
            .collect();
        failed_rules.sort();
        Verdict {
            allowed: d.error.is_none(),
            failed_rules,
            refusal: d.error.map(|e| e.code.as_str().to_string()),
        }
    }
}

/// The form every rule accepts: four hours, a reason, a ticket, MFA.
pub fn granted_form() -> Form {
    Form {
        principal: "user-0000001".into(),
        start: NOW,
        duration_seconds: 4 * 3_600,
        justification: Some("incident 42".into()),
        ticket_number: Some("INC0042".into()),
        mfa: true,
        eligibility_start: NOW - 10 * 86_400,
        eligibility_end: Some(NOW + 20 * 86_400),
    }
}

/// The form failing the four rules at once: ten hours, no reason, a blank ticket, no MFA.
pub fn refused_form() -> Form {
    Form {
        duration_seconds: 10 * 3_600,
        justification: None,
        ticket_number: Some("  ".into()),
        mfa: false,
        ..granted_form()
    }
}

/// `count` random forms: durations around the maximum and the five-minute minimum, blank and
/// missing reasons and tickets, with and without MFA, eligibilities current, ending within
/// the requested window, not yet started or ended.
pub fn random_forms(count: usize) -> Vec<Form> {
    let mut rng = Rng(0xF0_4315);
    let texts = [
        None,
        Some(""),
        Some("   "),
        Some("incident 42"),
        Some(" INC7 "),
    ];
    let durations = [
        120,
        600,
        3_600,
        4 * 3_600,
        8 * 3_600,
        8 * 3_600 + 1,
        10 * 3_600,
    ];
    (0..count)
        .map(|i| {
            let eligibility_start = match rng.below(4) {
                0 => NOW + 3_600,
                _ => NOW - 86_400 * (1 + rng.below(30) as i64),
            };
            let eligibility_end = match rng.below(5) {
                0 => None,
                1 => Some(NOW - 60),
                2 => Some(NOW + 60 * (1 + rng.below(120) as i64)),
                _ => Some(NOW + 86_400 * (1 + rng.below(30) as i64)),
            };
            Form {
                principal: format!("user-{i:07}"),
                start: NOW,
                duration_seconds: durations[rng.below(durations.len())],
                justification: texts[rng.below(texts.len())].map(String::from),
                ticket_number: texts[rng.below(texts.len())].map(String::from),
                mfa: rng.chance(50),
                eligibility_start,
                eligibility_end,
            }
        })
        .collect()
}
