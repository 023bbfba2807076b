//! Schedules as the state keeps them: a row of handles and times per schedule (56 bytes)
//! instead of the public [`Schedule`] (88 bytes, and a heap block for its id's text). The
//! principal, role, scope, group and request are handles into an [`Interner`]; the schedule's
//! own id and the id of the eligibility it was activated from are places in one buffer of id
//! texts, so a million ids cost their characters and a byte each, not a million allocations.
//! A [`Schedule`] is made from its row when one is asked for.

use super::chunked::{Chunked, Texts};
use crate::error::ApplyError;
use crate::event::SchedulePayload;
use crate::id::{Interner, PrincipalId, RequestId, RoleDefinitionId, ScheduleId};
use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
use crate::time::Instant;

/// The handle of an absent field.
const NONE: u32 = u32::MAX;

/// One schedule, by handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Row {
    /// Where the id's text is in [`Rows::texts`].
    id: u32,
    principal: u32,
    role: u32,
    scope: u32,
    via_group: u32,
    /// Where the eligibility's id is in [`Rows::texts`].
    activated_using: u32,
    request: u32,
    pub(crate) start: Instant,
    pub(crate) end: Option<Instant>,
    pub(crate) ended: Option<EndReason>,
    /// The kind, the origin and the two marks, one bit each ([`Row::ACTIVE`] and the rest).
    flags: u8,
}

impl Row {
    const ACTIVE: u8 = 1;
    const ACTIVATED: u8 = 2;
    const OUTSIDE_PIM: u8 = 4;
    const BREAK_GLASS: u8 = 8;

    fn flags_of(s: &SchedulePayload) -> u8 {
        let bit = |on: bool, flag: u8| if on { flag } else { 0 };
        bit(s.kind == AssignmentType::Active, Row::ACTIVE)
            | bit(s.origin == Origin::Activated, Row::ACTIVATED)
            | bit(s.outside_pim, Row::OUTSIDE_PIM)
            | bit(s.break_glass, Row::BREAK_GLASS)
    }

    fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Eligible or active.
    pub(crate) fn kind(&self) -> AssignmentType {
        if self.has(Row::ACTIVE) {
            AssignmentType::Active
        } else {
            AssignmentType::Eligible
        }
    }

    /// Assigned or activated.
    pub(crate) fn origin(&self) -> Origin {
        if self.has(Row::ACTIVATED) {
            Origin::Activated
        } else {
            Origin::Assigned
        }
    }
}

/// What a row says without being made into a [`Schedule`] (no allocation, no id text read):
/// enough for a decision to pass over the schedules it does not want.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    pub(crate) kind: AssignmentType,
    pub(crate) origin: Origin,
    pub(crate) role: &'a str,
    pub(crate) start: Instant,
    pub(crate) end: Option<Instant>,
    pub(crate) ended: Option<EndReason>,
}

impl Facts<'_> {
    /// Whether the schedule has not ended yet at `now` (as [`Schedule::not_over`]).
    pub(crate) fn not_over(&self, now: Instant) -> bool {
        self.end.is_none_or(|e| now < e)
    }
}

/// Where the state already keeps the texts a new row may name, so that the row's handles share
/// them instead of keeping the event's copies; asked only on a text's first sight.
#[derive(Clone, Copy)]
pub(crate) struct Kept<'a> {
    /// The directory's copy of a principal id.
    pub(crate) principal: &'a dyn Fn(&str) -> Option<PrincipalId>,
    /// The request's own copy of its id.
    pub(crate) request: &'a dyn Fn(&str) -> Option<RequestId>,
}

impl Kept<'_> {
    /// Nothing kept elsewhere: the rows keep the event's copies.
    #[cfg(test)]
    pub(crate) const NONE: Kept<'static> = Kept {
        principal: &|_| None,
        request: &|_| None,
    };
}

/// Every schedule's row, in creation order, with the texts the rows point into.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    rows: Chunked<Row>,
    texts: Texts,
    names: Interner,
}

impl Rows {
    /// How many schedules there are.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn row(&self, slot: u32) -> Option<&Row> {
        self.rows.get(slot as usize)
    }

    pub(crate) fn row_mut(&mut self, slot: u32) -> Option<&mut Row> {
        self.rows.get_mut(slot as usize)
    }

    /// The id of the schedule in `slot`.
    pub(crate) fn id(&self, slot: u32) -> Option<&str> {
        self.texts.get(self.row(slot)?.id)
    }

    /// The (principal, role) of the schedule in `slot`.
    pub(crate) fn holder(&self, slot: u32) -> Option<(&str, &str)> {
        let row = self.row(slot)?;
        Some((self.names.text(row.principal)?, self.names.text(row.role)?))
    }

    /// What the row in `slot` says, without making its schedule.
    pub(crate) fn facts(&self, slot: u32) -> Option<Facts<'_>> {
        let r = self.row(slot)?;
        Some(Facts {
            kind: r.kind(),
            origin: r.origin(),
            role: self.names.text(r.role)?,
            start: r.start,
            end: r.end,
            ended: r.ended,
        })
    }

    /// The (principal, role) of the schedule in `slot`, as ids sharing the interned text.
    pub(crate) fn holder_ids(&self, slot: u32) -> Option<(PrincipalId, RoleDefinitionId)> {
        let row = self.row(slot)?;
        Some((self.names.id(row.principal)?, self.names.id(row.role)?))
    }

    /// The id of the eligibility the schedule in `slot` was activated from.
    pub(crate) fn activated_using(&self, slot: u32) -> Option<&str> {
        self.text_at(self.row(slot)?.activated_using)
    }

    /// The id text at `at`, unless `at` is [`NONE`].
    fn text_at(&self, at: u32) -> Option<&str> {
        (at != NONE).then(|| self.texts.get(at)).flatten()
    }

    /// The interned id of `handle`, unless `handle` is [`NONE`].
    fn name<T: crate::id::Shared>(&self, handle: u32) -> Option<T> {
        (handle != NONE).then(|| self.names.id(handle)).flatten()
    }

    /// The schedule in `slot`, made from its row.
    pub(crate) fn schedule(&self, slot: u32) -> Option<Schedule> {
        let r = self.row(slot)?;
        Some(Schedule {
            id: ScheduleId::from(self.texts.get(r.id)?),
            kind: r.kind(),
            origin: r.origin(),
            principal_id: self.names.id(r.principal)?,
            role_definition_id: self.names.id(r.role)?,
            scope: self.names.id(r.scope)?,
            start_date_time: r.start,
            end_date_time: r.end,
            activated_using: self.text_at(r.activated_using).map(ScheduleId::from),
            via_group: self.name(r.via_group),
            request_id: self.name(r.request),
            ended: r.ended,
            outside_pim: r.has(Row::OUTSIDE_PIM),
            break_glass: r.has(Row::BREAK_GLASS),
        })
    }

    /// Adds a schedule; `eligibility` is the slot of the schedule it was activated from, when
    /// there is one (its id's text is shared, not copied). Returns the new slot.
    pub(crate) fn push(
        &mut self,
        s: &SchedulePayload,
        eligibility: Option<u32>,
        kept: Kept<'_>,
    ) -> Result<u32, ApplyError> {
        let full = || ApplyError::TooMany("schedules");
        let slot = u32::try_from(self.rows.len()).map_err(|_| full())?;
        let activated_using = match (&s.activated_using, eligibility.and_then(|e| self.row(e))) {
            (Some(_), Some(e)) => e.id,
            (Some(id), None) => self.texts.push(id).ok_or_else(full)?,
            (None, _) => NONE,
        };
        let names = &mut self.names;
        let opt = |id: Option<u32>| id.ok_or_else(full);
        let row = Row {
            id: self.texts.push(&s.id).ok_or_else(full)?,
            principal: opt(
                names.intern_keeping(&s.principal_id, || (kept.principal)(&s.principal_id))
            )?,
            role: opt(names.intern_keeping(&s.role_definition_id, || None))?,
            scope: opt(names.intern_keeping(&s.scope, || None))?,
            via_group: match &s.via_group {
                Some(g) => opt(names.intern_keeping(g, || (kept.principal)(g)))?,
                None => NONE,
            },
            activated_using,
            request: match &s.request_id {
                Some(r) => opt(names.intern_keeping(r, || (kept.request)(r)))?,
                None => NONE,
            },
            start: s.start_date_time,
            end: s.end_date_time,
            ended: s.ended,
            flags: Row::flags_of(s),
        };
        self.rows.push(row);
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::{Kept, Row, Rows};
    use crate::event::SchedulePayload;
    use crate::schedule::{AssignmentType, EndReason, Origin, Schedule};
    use crate::time::parse_instant;

    #[test]
    fn a_row_gives_back_the_schedule_it_was_made_from() {
        let at = |t: &str| parse_instant(t).expect("an instant");
        let eligibility = Schedule::assigned(
            "e-1".into(),
            AssignmentType::Eligible,
            "g",
            "r",
            "/".into(),
            (at("2026-01-01T00:00:00Z"), None),
            None,
        );
        let activation = Schedule {
            id: "a-1".into(),
            kind: AssignmentType::Active,
            origin: Origin::Activated,
            activated_using: Some("e-1".into()),
            via_group: Some("g".into()),
            request_id: Some("req-1".into()),
            scope: "app:x".into(),
            principal_id: "u".into(),
            start_date_time: at("2026-02-01T08:00:00.5Z"),
            end_date_time: Some(at("2026-02-01T16:00:00Z")),
            ended: Some(EndReason::Deactivated),
            outside_pim: true,
            break_glass: true,
            ..eligibility.clone()
        };
        let mut rows = Rows::default();
        let e = rows.push(
            &SchedulePayload::from(eligibility.clone()),
            None,
            Kept::NONE,
        );
        let a = rows.push(
            &SchedulePayload::from(activation.clone()),
            e.ok(),
            Kept::NONE,
        );
        assert_eq!(rows.schedule(0), Some(eligibility));
        assert_eq!(rows.schedule(1), Some(activation));
        assert_eq!(a.ok(), Some(1));
        assert_eq!(rows.activated_using(1), Some("e-1"));
        assert_eq!(rows.holder(1), Some(("u", "r")));
        assert_eq!(rows.schedule(2), None);
    }

    #[test]
    fn a_row_keeps_its_size() {
        assert_eq!(core::mem::size_of::<Row>(), 56, "a schedule's row");
    }
}
