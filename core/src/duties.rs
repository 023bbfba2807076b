//! pim's separation-of-duties rule (`#pim.separationOfDutiesRule`): roles one principal may not
//! hold active (or eligible) at the same time. A conflict named in either role's settings binds
//! both, so the order of activation never matters.

use serde::{Deserialize, Serialize};

use crate::id::{RoleDefinitionId, ScheduleId};
use crate::time::Instant;

/// A role the principal holds (or will hold), as separation of duties sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeldRole {
    /// The role.
    pub role_definition_id: RoleDefinitionId,
    /// The schedule that grants it, when known: named in a refusal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<ScheduleId>,
    /// When it starts; absent: already.
    #[serde(default, with = "crate::time::instant_opt")]
    pub start_date_time: Option<Instant>,
    /// When it ends; absent: never.
    #[serde(default, with = "crate::time::instant_opt")]
    pub end_date_time: Option<Instant>,
    /// Whether that role's own settings name the requested role as conflicting.
    #[serde(default)]
    pub conflicts_with_requested: bool,
}

impl HeldRole {
    fn overlaps(&self, start: Instant, end: Option<Instant>) -> bool {
        self.start_date_time
            .is_none_or(|s| end.is_none_or(|e| s < e))
            && self.end_date_time.is_none_or(|e| start < e)
    }
}

/// The first held role that conflicts with the requested role during `[start, end)`: one the
/// requested role's `conflicts` name, or one whose own settings name the requested role.
pub fn conflict<'a>(
    conflicts: &[RoleDefinitionId],
    held: &'a [HeldRole],
    start: Instant,
    end: Option<Instant>,
) -> Option<&'a HeldRole> {
    held.iter().find(|h| {
        (h.conflicts_with_requested || conflicts.contains(&h.role_definition_id))
            && h.overlaps(start, end)
    })
}

/// A sentence naming the conflicting grant, for a refusal.
pub fn describe(h: &HeldRole) -> alloc::string::String {
    let via = h
        .schedule_id
        .as_ref()
        .map(|s| alloc::format!(" (schedule `{s}`)"))
        .unwrap_or_default();
    alloc::format!(
        "separation of duties: the conflicting role `{}` is held{via}",
        h.role_definition_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;
    use alloc::vec;

    fn at(t: &str) -> Instant {
        parse_instant(t).expect("test instant")
    }

    #[test]
    fn conflicts_bind_both_ways_and_only_while_overlapping() {
        let held = vec![HeldRole {
            role_definition_id: "b".into(),
            schedule_id: None,
            start_date_time: Some(at("2026-03-02T09:00:00Z")),
            end_date_time: Some(at("2026-03-02T10:00:00Z")),
            conflicts_with_requested: false,
        }];
        let (s, e) = (at("2026-03-02T09:59:59Z"), Some(at("2026-03-02T11:00:00Z")));
        assert!(conflict(&["b".into()], &held, s, e).is_some());
        assert!(conflict(&["c".into()], &held, s, e).is_none());
        assert!(conflict(&[], &held, at("2026-03-02T10:00:00Z"), e).is_none());
        let back = vec![HeldRole {
            conflicts_with_requested: true,
            ..held[0].clone()
        }];
        assert!(conflict(&[], &back, s, e).is_some());
        let named = HeldRole {
            schedule_id: Some("schedule-7".into()),
            ..held[0].clone()
        };
        assert_eq!(
            describe(&named),
            "separation of duties: the conflicting role `b` is held (schedule `schedule-7`)"
        );
    }
}
