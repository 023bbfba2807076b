//! pim's own policy rules, written beside Graph's 17 in the same `rules` list: each has an id of
//! the form `Pim_{Name}_{Caller}_{Level}`, an `@odata.type` in the `pim` namespace
//! (`#pim.justificationRule`, …) and Graph's `target`. Every field has a default that changes
//! nothing, so a rule given with only its id is inert.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::id::{PrincipalId, RoleDefinitionId};
use crate::time::IsoDuration;

/// `#pim.justificationRule` (`Pim_Justification_EndUser_Assignment`): what makes an activation's
/// justification and ticket acceptable.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JustificationFields {
    /// The fewest characters (Unicode scalar values, surrounding blanks not counted) a
    /// justification must have; `0` sets no minimum.
    #[serde(default)]
    pub minimum_length: u32,
    /// The shape a ticket number must have, when one is given: `#` is a digit, `@` a letter,
    /// `?` any one character, `*` any run of characters, anything else itself (ignoring ASCII
    /// case); `null` accepts any.
    #[serde(default)]
    pub ticket_number_pattern: Option<String>,
    /// The ticket systems a given ticket may name (ignoring ASCII case); empty accepts any.
    #[serde(default)]
    pub allowed_ticket_systems: Vec<String>,
}

/// `#pim.rateLimitRule` (`Pim_RateLimit_EndUser_Assignment`): how often one principal may
/// activate the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimitFields {
    /// The most activations that may start within any `windowDuration`; `null` sets no limit.
    #[serde(default)]
    pub maximum_activations: Option<u32>,
    /// The length of the sliding window.
    #[serde(default = "one_day")]
    pub window_duration: IsoDuration,
    /// How long after an activation ends (deactivated or expired) the next may start.
    #[serde(default = "zero")]
    pub cool_down_duration: IsoDuration,
}

impl Default for RateLimitFields {
    fn default() -> Self {
        RateLimitFields {
            maximum_activations: None,
            window_duration: one_day(),
            cool_down_duration: zero(),
        }
    }
}

fn one_day() -> IsoDuration {
    IsoDuration::days(1)
}

fn zero() -> IsoDuration {
    IsoDuration::minutes(0)
}

/// `#pim.separationOfDutiesRule`: the roles that conflict with this one. Under
/// `Pim_SeparationOfDuties_EndUser_Assignment` a principal may not hold this role and a
/// conflicting one active at the same time; under `Pim_SeparationOfDuties_Admin_Eligibility`
/// not eligible at the same time. A conflict named on either role's settings binds both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeparationOfDutiesFields {
    /// The conflicting role definition ids.
    #[serde(default)]
    pub conflicting_role_definition_ids: Vec<RoleDefinitionId>,
}

/// `#pim.quorumApprovalRule` (`Pim_QuorumApproval_EndUser_Assignment`): how many approvals each
/// stage of `Approval_EndUser_Assignment` needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuorumApprovalFields {
    /// Per approval stage, in stage order; a stage without an entry needs one approval.
    #[serde(default)]
    pub stages: Vec<QuorumStage>,
    /// Whether one denial denies the request (`true`, as in Entra); when `false` a denial is
    /// recorded and the stage still waits for its approvals until it times out.
    #[serde(default = "yes")]
    pub is_denial_final: bool,
}

impl Default for QuorumApprovalFields {
    fn default() -> Self {
        QuorumApprovalFields {
            stages: Vec::new(),
            is_denial_final: true,
        }
    }
}

fn yes() -> bool {
    true
}

/// What one approval stage needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuorumStage {
    /// Approvals by distinct approvers the stage needs (1 to 25).
    #[serde(default = "one")]
    pub minimum_approvals: u32,
    /// Groups each of which must count at least one (transitive) member among the approvers.
    #[serde(default)]
    pub required_group_ids: Vec<PrincipalId>,
}

fn one() -> u32 {
    1
}

/// `#pim.breakGlassRule` (`Pim_BreakGlass_EndUser_Assignment`): named principals activate the
/// role at once, without approval or rate limit, for at most `maximumDuration`, with a
/// justification; every such activation is announced to the approvers and administrators,
/// raises a security alert and opens an access review of itself that must be completed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BreakGlassFields {
    /// Who may break the glass (users); empty: nobody.
    #[serde(default)]
    pub principal_ids: Vec<PrincipalId>,
    /// The longest break-glass activation (5 minutes to 4 hours).
    #[serde(default = "one_hour")]
    pub maximum_duration: IsoDuration,
    /// How long the access review of each break-glass activation runs (1 to 30 days).
    #[serde(default = "seven")]
    pub review_duration_in_days: u32,
}

impl Default for BreakGlassFields {
    fn default() -> Self {
        BreakGlassFields {
            principal_ids: Vec::new(),
            maximum_duration: one_hour(),
            review_duration_in_days: seven(),
        }
    }
}

fn one_hour() -> IsoDuration {
    IsoDuration::hours(1)
}

fn seven() -> u32 {
    7
}
