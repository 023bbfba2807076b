//! pim's own policy rules, written beside Graph's 17 in the same `rules` list: each has an id of
//! the form `Pim_{Name}_{Caller}_{Level}`, an `@odata.type` in the `pim` namespace
//! (`#pim.justificationRule`, …) and Graph's `target`. Every field has a default that changes
//! nothing, so a rule given with only its id is inert.

use alloc::string::String;
use alloc::vec::Vec;

use serde::de::Error as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{RuleBody, RuleType};
use crate::id::{PrincipalId, RoleDefinitionId};
use crate::time::IsoDuration;

/// Reads the fields of one of pim's rules from its JSON object (every field present: the
/// caller merges the given fields over the rule's defaults, and has refused unknown ones). By
/// hand rather than through each struct's `Deserialize`, so that the browser build carries one
/// small reader instead of a JSON-value deserializer per rule type.
pub(super) fn read_body(kind: RuleType, value: Value) -> Result<RuleBody, serde_json::Error> {
    let Value::Object(mut m) = value else {
        return Err(serde_json::Error::custom("a rule must be an object"));
    };
    let mut f = Fields(&mut m);
    Ok(match kind {
        RuleType::Justification => RuleBody::Justification(JustificationFields {
            minimum_length: f.number("minimumLength")?,
            ticket_number_pattern: f.optional_text("ticketNumberPattern")?,
            allowed_ticket_systems: f.texts("allowedTicketSystems")?,
        }),
        RuleType::RateLimit => RuleBody::RateLimit(RateLimitFields {
            maximum_activations: match f.take("maximumActivations") {
                Value::Null => None,
                v => Some(number("maximumActivations", &v)?),
            },
            window_duration: f.duration("windowDuration")?,
            cool_down_duration: f.duration("coolDownDuration")?,
        }),
        RuleType::SeparationOfDuties => RuleBody::SeparationOfDuties(SeparationOfDutiesFields {
            conflicting_role_definition_ids: ids(f.texts("conflictingRoleDefinitionIds")?),
        }),
        RuleType::QuorumApproval => RuleBody::QuorumApproval(QuorumApprovalFields {
            stages: f.stages()?,
            is_denial_final: f.flag("isDenialFinal")?,
        }),
        RuleType::ActivationWindow => RuleBody::ActivationWindow(ActivationWindowFields {
            time_zone: f.text("timeZone")?,
            windows: f.windows()?,
            excluded_dates: f.texts("excludedDates")?,
            outside_window: f.choice("outsideWindow", OutsideWindow::parse)?,
        }),
        _ => RuleBody::BreakGlass(BreakGlassFields {
            principal_ids: ids(f.texts("principalIds")?),
            maximum_duration: f.duration("maximumDuration")?,
            review_duration_in_days: f.number("reviewDurationInDays")?,
        }),
    })
}

/// The fields of a rule object, taken one by one.
struct Fields<'a>(&'a mut Map<String, Value>);

fn wrong(key: &str, what: &str) -> serde_json::Error {
    serde_json::Error::custom(alloc::format!("`{key}` must be {what}"))
}

fn number(key: &str, v: &Value) -> Result<u32, serde_json::Error> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| wrong(key, "a whole number from 0"))
}

fn ids<T: From<String>>(list: Vec<String>) -> Vec<T> {
    list.into_iter().map(T::from).collect()
}

impl Fields<'_> {
    fn take(&mut self, key: &str) -> Value {
        self.0.remove(key).unwrap_or(Value::Null)
    }

    fn number(&mut self, key: &str) -> Result<u32, serde_json::Error> {
        number(key, &self.take(key))
    }

    fn flag(&mut self, key: &str) -> Result<bool, serde_json::Error> {
        self.take(key)
            .as_bool()
            .ok_or_else(|| wrong(key, "true or false"))
    }

    fn text(&mut self, key: &str) -> Result<String, serde_json::Error> {
        match self.take(key) {
            Value::String(t) => Ok(t),
            _ => Err(wrong(key, "a string")),
        }
    }

    /// One of an enum's values, as `parse` reads them.
    fn choice<T>(
        &mut self,
        key: &str,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, serde_json::Error> {
        let v = self.take(key);
        v.as_str()
            .and_then(parse)
            .ok_or_else(|| serde_json::Error::custom(alloc::format!("`{key}` cannot be {v}")))
    }

    /// `windows` of an activation-window rule: objects with `daysOfWeek` (default every day),
    /// `startTime` (default `00:00`) and `endTime` (default `24:00`), nothing else.
    fn windows(&mut self) -> Result<Vec<ActivationWindow>, serde_json::Error> {
        let Value::Array(list) = self.take("windows") else {
            return Err(wrong("windows", "a list"));
        };
        list.into_iter()
            .map(|v| {
                let Value::Object(mut m) = v else {
                    return Err(wrong("windows", "a list of objects"));
                };
                if let Some(k) = m
                    .keys()
                    .find(|k| !matches!(k.as_str(), "daysOfWeek" | "startTime" | "endTime"))
                {
                    return Err(serde_json::Error::custom(alloc::format!(
                        "unknown field `{k}` in an activation window"
                    )));
                }
                let days = m.remove("daysOfWeek");
                let mut f = Fields(&mut m);
                let days_of_week = match days {
                    None => DayOfWeek::ALL.to_vec(),
                    Some(Value::Array(d)) => d
                        .iter()
                        .map(|d| d.as_str().and_then(DayOfWeek::parse))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| wrong("daysOfWeek", "a list of days (`monday`, …)"))?,
                    Some(_) => return Err(wrong("daysOfWeek", "a list of days (`monday`, …)")),
                };
                let time = |f: &mut Fields<'_>, key: &str, default: &str| match f.take(key) {
                    Value::Null => Ok(String::from(default)),
                    Value::String(t) => Ok(t),
                    _ => Err(wrong(key, "a time of day such as `08:00`")),
                };
                Ok(ActivationWindow {
                    days_of_week,
                    start_time: time(&mut f, "startTime", "00:00")?,
                    end_time: time(&mut f, "endTime", "24:00")?,
                })
            })
            .collect()
    }

    fn optional_text(&mut self, key: &str) -> Result<Option<String>, serde_json::Error> {
        match self.take(key) {
            Value::Null => Ok(None),
            Value::String(t) => Ok(Some(t)),
            _ => Err(wrong(key, "a string or null")),
        }
    }

    fn texts(&mut self, key: &str) -> Result<Vec<String>, serde_json::Error> {
        let Value::Array(list) = self.take(key) else {
            return Err(wrong(key, "a list of strings"));
        };
        list.into_iter()
            .map(|v| match v {
                Value::String(t) => Ok(t),
                _ => Err(wrong(key, "a list of strings")),
            })
            .collect()
    }

    fn duration(&mut self, key: &str) -> Result<IsoDuration, serde_json::Error> {
        match self.take(key) {
            Value::String(t) => t.parse().map_err(serde_json::Error::custom),
            _ => Err(wrong(key, "an ISO 8601 duration")),
        }
    }

    /// `stages` of a quorum: objects with `minimumApprovals` (default 1) and
    /// `requiredGroupIds` (default none), nothing else.
    fn stages(&mut self) -> Result<Vec<QuorumStage>, serde_json::Error> {
        let Value::Array(list) = self.take("stages") else {
            return Err(wrong("stages", "a list"));
        };
        list.into_iter()
            .map(|v| {
                let Value::Object(mut m) = v else {
                    return Err(wrong("stages", "a list of objects"));
                };
                if let Some(k) = m
                    .keys()
                    .find(|k| *k != "minimumApprovals" && *k != "requiredGroupIds")
                {
                    return Err(serde_json::Error::custom(alloc::format!(
                        "unknown field `{k}` in a quorum stage"
                    )));
                }
                m.entry("minimumApprovals").or_insert(Value::from(1));
                m.entry("requiredGroupIds")
                    .or_insert(Value::Array(Vec::new()));
                let mut f = Fields(&mut m);
                Ok(QuorumStage {
                    minimum_approvals: f.number("minimumApprovals")?,
                    required_group_ids: ids(f.texts("requiredGroupIds")?),
                })
            })
            .collect()
    }
}

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

wire_enum! {
    /// What an activation outside every window of `Pim_ActivationWindow_EndUser_Assignment` gets.
    pub enum OutsideWindow {
        /// Refused, naming `pim.activationWindowRule`.
        Deny => "deny",
        /// Sent for approval, to the stages of `Approval_EndUser_Assignment`.
        RequireApproval => "requireApproval",
    }
}

wire_enum! {
    /// Graph's `dayOfWeek`.
    pub enum DayOfWeek {
        /// Monday.
        Monday => "monday",
        /// Tuesday.
        Tuesday => "tuesday",
        /// Wednesday.
        Wednesday => "wednesday",
        /// Thursday.
        Thursday => "thursday",
        /// Friday.
        Friday => "friday",
        /// Saturday.
        Saturday => "saturday",
        /// Sunday.
        Sunday => "sunday",
    }
}

/// `#pim.activationWindowRule` (`Pim_ActivationWindow_EndUser_Assignment`): when, in local time
/// of an IANA time zone, an activation of the role may start. With no windows every time is
/// inside, so a rule with only its id (no windows, no excluded dates) changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationWindowFields {
    /// The IANA time zone the windows and dates are read in, e.g. `Europe/Berlin`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// The weekly windows an activation may start in; empty: any time of any day.
    #[serde(default)]
    pub windows: Vec<ActivationWindow>,
    /// Local calendar dates (`YYYY-MM-DD`) on which no window opens.
    #[serde(default)]
    pub excluded_dates: Vec<String>,
    /// What an activation starting outside every window gets.
    #[serde(default = "deny")]
    pub outside_window: OutsideWindow,
}

impl Default for ActivationWindowFields {
    fn default() -> Self {
        ActivationWindowFields {
            time_zone: utc(),
            windows: Vec::new(),
            excluded_dates: Vec::new(),
            outside_window: deny(),
        }
    }
}

fn utc() -> String {
    String::from("UTC")
}

fn deny() -> OutsideWindow {
    OutsideWindow::Deny
}

/// One weekly window: on each of `daysOfWeek`, from `startTime` up to (not including)
/// `endTime`, local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ActivationWindow {
    /// The days the window opens on (default: every day).
    #[serde(default = "every_day")]
    pub days_of_week: Vec<DayOfWeek>,
    /// When it opens: `HH:MM` or `HH:MM:SS` (default `00:00`).
    #[serde(default = "midnight")]
    pub start_time: String,
    /// When it closes: `HH:MM` or `HH:MM:SS`, up to `24:00` (the default), after `startTime`.
    #[serde(default = "end_of_day")]
    pub end_time: String,
}

fn every_day() -> Vec<DayOfWeek> {
    DayOfWeek::ALL.to_vec()
}

fn midnight() -> String {
    String::from("00:00")
}

fn end_of_day() -> String {
    String::from("24:00")
}

#[cfg(test)]
mod tests {
    use crate::wire::{PolicyRule, RuleError};
    use serde_json::json;

    fn field_error(v: serde_json::Value) -> bool {
        matches!(PolicyRule::from_json(v), Err(RuleError::Field { .. }))
    }

    #[test]
    fn badly_typed_fields_are_field_errors() {
        let id = "Pim_Justification_EndUser_Assignment";
        assert!(field_error(json!({"id": id, "minimumLength": "20"})));
        assert!(field_error(json!({"id": id, "minimumLength": -1})));
        assert!(field_error(json!({"id": id, "allowedTicketSystems": [1]})));
        let id = "Pim_RateLimit_EndUser_Assignment";
        assert!(field_error(json!({"id": id, "windowDuration": "one day"})));
        let id = "Pim_QuorumApproval_EndUser_Assignment";
        assert!(field_error(json!({"id": id, "stages": [{"minimum": 2}]})));
        assert!(field_error(json!({"id": id, "isDenialFinal": "no"})));
        let ok = PolicyRule::from_json(json!({"id": id, "stages": [{}, {"minimumApprovals": 3}]}));
        assert!(ok.is_ok());
        let id = "Pim_ActivationWindow_EndUser_Assignment";
        assert!(field_error(json!({"id": id, "timeZone": 1})));
        assert!(field_error(json!({"id": id, "outsideWindow": "ask"})));
        assert!(field_error(
            json!({"id": id, "windows": [{"days": ["monday"]}]})
        ));
        assert!(field_error(
            json!({"id": id, "windows": [{"daysOfWeek": ["mon"]}]})
        ));
        assert!(field_error(
            json!({"id": id, "windows": [{"startTime": 8}]})
        ));
        let ok = PolicyRule::from_json(json!({"id": id, "windows": [{}],
            "outsideWindow": "RequireApproval"}));
        assert!(ok.is_ok());
    }
}
