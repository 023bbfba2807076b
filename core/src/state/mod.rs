//! The tenant's state: the directory, role settings, schedules, requests, access reviews and
//! alert settings, as the event log has made them. Plain data with read accessors; the only way
//! it changes is [`State::apply`], one function per event family in this module's children, so
//! the invariants of its indexes are kept in one place.

mod by_id;
mod chunked;
mod governance;
mod keys;
mod requests;
mod reviews;
mod rows;
mod schedules;
mod slots;

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use hashbrown::HashMap;

use crate::alerts::AlertSettings;
use crate::directory::{Directory, PrincipalKind};
use crate::error::ApplyError;
use crate::event::Event;
use crate::id::{PrincipalId, RequestId, ReviewId, RoleDefinitionId, ScheduleId};
use crate::policy::Policy;
use crate::request::{RequestRecord, Status};
use crate::review::Review;
use crate::schedule::{AssignmentType, Schedule};
use crate::time::Instant;
pub(crate) use by_id::SlotsById;
use keys::ByHolder;
pub(crate) use rows::Facts;
pub(crate) use slots::{Listed, Lists, Slots};

/// What time will do next to one request or schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    /// A granted request's start: it becomes `Provisioned`.
    RequestStart(u32),
    /// A pending request's approval stage times out.
    ApprovalTimeout(u32),
    /// A schedule's end: it expires.
    ScheduleEnd(u32),
    /// An expiry reminder, some days before an assigned schedule's end.
    Reminder(u32, u32),
    /// An access review instance starts.
    ReviewStart(u32, u32),
    /// An access review instance ends.
    ReviewEnd(u32, u32),
    /// An access review instance's reminder, at its midpoint.
    ReviewReminder(u32, u32),
}

/// Days before an assigned schedule's end when expiry reminders go out: Entra sends them 14
/// days and 1 day before.
pub const REMINDER_DAYS: [u32; 2] = [14, 1];

/// The tenant as the event log has made it.
#[derive(Debug, Clone)]
pub struct State {
    directory: Directory,
    policies: HashMap<RoleDefinitionId, Vec<Policy>>,
    default_policy: Policy,
    // Every schedule's row, in creation order; a slot is a schedule's place here.
    schedules: rows::Rows,
    schedule_slot: by_id::SlotsById,
    by_principal: HashMap<PrincipalId, Slots<u32>>,
    // INVARIANT: `active` and `eligible` index every schedule of that kind that has not ended
    // by an event; a schedule past its end stays until `tick` ends it, and queries filter by time.
    active: ByHolder,
    eligible: ByHolder,
    // INVARIANT: every active schedule ever created, by role (filtered by time when read).
    active_by_role: HashMap<RoleDefinitionId, Vec<u32>>,
    // INVARIANT: every eligible schedule ever created, by role (filtered by time when read).
    eligible_by_role: HashMap<RoleDefinitionId, Vec<u32>>,
    // INVARIANT: every activation not ended by an event, by the slot of the eligibility it was
    // drawn from (a group's eligibility draws its members' activations).
    drawn_from: HashMap<u32, Slots<u32>>,
    requests: Vec<RequestRecord>,
    request_slot: HashMap<RequestId, u32>,
    // INVARIANT: the slots of every request that is pending or granted but not yet started.
    open_requests: BTreeSet<u32>,
    // INVARIANT: the same slots, by the requests' principal.
    open_by_principal: HashMap<PrincipalId, Slots<u32>>,
    // INVARIANT: everything time will do, by instant: each open request's time-out or start,
    // each schedule's end and reminders, each live review's next start and end.
    timeline: BTreeSet<(Instant, Due)>,
    reviews: Vec<Review>,
    review_slot: HashMap<ReviewId, u32>,
    alert_settings: AlertSettings,
    audit_retention: Option<u32>,
    issued: u64,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// An empty tenant that knows only Entra's built-in roles.
    pub fn new() -> Self {
        State {
            directory: Directory::new(),
            policies: HashMap::new(),
            default_policy: Policy::default(),
            schedules: rows::Rows::default(),
            schedule_slot: by_id::SlotsById::default(),
            by_principal: HashMap::new(),
            active: ByHolder::default(),
            eligible: ByHolder::default(),
            active_by_role: HashMap::new(),
            eligible_by_role: HashMap::new(),
            drawn_from: HashMap::new(),
            requests: Vec::new(),
            request_slot: HashMap::new(),
            open_requests: BTreeSet::new(),
            open_by_principal: HashMap::new(),
            timeline: BTreeSet::new(),
            reviews: Vec::new(),
            review_slot: HashMap::new(),
            alert_settings: AlertSettings::default(),
            audit_retention: None,
            issued: 0,
        }
    }

    /// The directory: principals, groups and their members, role definitions.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The role settings that govern `role` at `scope`: the policy set for that scope, else the
    /// tenant-wide (`/`) one, else Entra's defaults.
    pub fn policy(&self, role: &str, scope: &str) -> &Policy {
        let list = self.policies.get(role);
        let at = |s: &str| list.and_then(|l| l.iter().find(|p| p.scope_id == s));
        at(scope)
            .or_else(|| at("/"))
            .unwrap_or(&self.default_policy)
    }

    /// The policies set for `role`, one per scope.
    pub fn policies_of(&self, role: &str) -> &[Policy] {
        self.policies.get(role).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every schedule (eligible, active, activation; ended ones too), in creation order, each
    /// made from the state's row.
    pub fn schedules(&self) -> impl Iterator<Item = Schedule> + '_ {
        (0..self.schedule_count()).filter_map(|slot| self.schedule_at(slot))
    }

    /// How many schedules there are, ended ones included.
    pub fn schedule_count(&self) -> u32 {
        // Rows are numbered by u32 slots, so their count fits.
        u32::try_from(self.schedules.len()).unwrap_or(u32::MAX)
    }

    /// One schedule by id.
    pub fn schedule(&self, id: &str) -> Option<Schedule> {
        self.schedule_at(self.schedule_slot_by_id(id)?)
    }

    /// Every schedule `principal` holds directly, in creation order.
    pub fn schedules_of(&self, principal: &str) -> impl Iterator<Item = Schedule> + '_ {
        self.by_principal
            .get(principal)
            .into_iter()
            .flatten()
            .filter_map(|s| self.schedule_at(*s))
    }

    /// The facts of every schedule `principal` holds directly, in creation order, without
    /// making the schedules.
    pub(crate) fn facts_of<'a>(&'a self, principal: &str) -> impl Iterator<Item = Facts<'a>> + 'a {
        let slots = self.by_principal.get(principal).into_iter().flatten();
        slots.filter_map(|s| self.schedules.facts(*s))
    }

    /// The schedules `principal` holds directly whose facts `keep` accepts, in creation order;
    /// only those are made from their rows (making one reads its id's text and takes an
    /// allocation, a trip to memory a large tenant pays for each).
    pub(crate) fn schedules_of_where<'a>(
        &'a self,
        principal: &str,
        keep: impl Fn(&Facts<'_>) -> bool + 'a,
    ) -> impl Iterator<Item = Schedule> + 'a {
        let slots = self.by_principal.get(principal).into_iter().flatten();
        slots
            .filter(move |s| self.schedules.facts(**s).is_some_and(|f| keep(&f)))
            .filter_map(|s| self.schedule_at(*s))
    }

    /// The schedules any of `principals` holds directly through a group's eligibility and
    /// that no event has ended, in creation order.
    pub(crate) fn group_activations_of<'a>(
        &'a self,
        principals: impl IntoIterator<Item = &'a str>,
    ) -> Vec<Schedule> {
        // A set by insertion, not a sorted Vec: no sort code for the browser module to carry.
        let mut slots = BTreeSet::new();
        for p in principals {
            slots.extend(self.by_principal.get(p).into_iter().flatten().copied());
        }
        slots
            .into_iter()
            .filter_map(|s| self.schedule_at(s))
            .filter(|s| s.via_group.is_some() && s.ended.is_none())
            .collect()
    }

    /// Every schedule request, in submission order.
    pub fn requests(&self) -> &[RequestRecord] {
        &self.requests
    }

    /// One request by id, as last recorded (see [`State::effective_status`] for what time has
    /// done to it since).
    pub fn request_record(&self, id: &str) -> Option<&RequestRecord> {
        let slot = *self.request_slot.get(id)?;
        self.requests.get(slot as usize)
    }

    /// Requests `principal` made that are still waiting for a decision or for their start,
    /// in submission order.
    pub(crate) fn open_requests_of(&self, principal: &str) -> impl Iterator<Item = &RequestRecord> {
        self.open_by_principal
            .get(principal)
            .into_iter()
            .flatten()
            .filter_map(|s| self.requests.get(*s as usize))
    }

    /// Requests still waiting for a decision or for their start.
    pub fn open_requests(&self) -> impl Iterator<Item = &RequestRecord> {
        self.open_requests
            .iter()
            .filter_map(|s| self.requests.get(*s as usize))
    }

    /// Every access review ever created, deleted ones included, in creation order.
    pub fn reviews(&self) -> &[Review] {
        &self.reviews
    }

    /// One access review by id, unless deleted.
    pub fn review(&self, id: &str) -> Option<&Review> {
        let slot = *self.review_slot.get(id)?;
        self.reviews.get(slot as usize).filter(|r| !r.deleted)
    }

    /// Whether an access review with this id was ever created (deleted ones included).
    pub fn review_id_taken(&self, id: &str) -> bool {
        self.review_slot.contains_key(id)
    }

    /// The alert settings, dismissals and recorded sign-ins.
    pub(crate) fn alert_settings(&self) -> &AlertSettings {
        &self.alert_settings
    }

    /// How many days audit records stay visible; `None` keeps every record.
    pub fn audit_retention(&self) -> Option<u32> {
        self.audit_retention
    }

    /// Schedules of `kind` that `principal` holds directly for `role`, not ended by an event.
    pub(crate) fn indexed(
        &self,
        kind: AssignmentType,
        principal: &str,
        role: &str,
    ) -> impl Iterator<Item = Schedule> + '_ {
        let map = match kind {
            AssignmentType::Active => &self.active,
            AssignmentType::Eligible => &self.eligible,
        };
        map.get(&self.schedules, principal, role)
            .iter()
            .filter_map(|s| self.schedule_at(*s))
    }

    /// Active schedules of any of `roles`, ended ones included.
    pub(crate) fn active_by_role<'a>(
        &'a self,
        roles: &'a [&'a str],
    ) -> impl Iterator<Item = Schedule> + 'a {
        roles
            .iter()
            .filter_map(|r| self.active_by_role.get(*r))
            .flatten()
            .filter_map(|s| self.schedule_at(*s))
    }

    /// Schedules of `role`, of `kind` or of both kinds, ended ones included, in creation order.
    pub(crate) fn schedules_of_role(
        &self,
        role: &str,
        kind: Option<AssignmentType>,
    ) -> impl Iterator<Item = Schedule> + '_ {
        let wanted = |k: AssignmentType| kind.is_none_or(|want| want == k);
        let active = (self.active_by_role.get(role))
            .filter(|_| wanted(AssignmentType::Active))
            .map_or(&[][..], Vec::as_slice);
        let eligible = (self.eligible_by_role.get(role))
            .filter(|_| wanted(AssignmentType::Eligible))
            .map_or(&[][..], Vec::as_slice);
        merge_ascending(active, eligible).filter_map(|s| self.schedule_at(s))
    }

    #[cfg(feature = "notifications")]
    /// Principals (users and service principals, groups expanded) actively holding any of
    /// `roles` at the tenant scope at `now`, sorted.
    pub(crate) fn active_holders(&self, roles: &[&str], now: Instant) -> BTreeSet<PrincipalId> {
        let mut out = BTreeSet::new();
        for s in self.active_by_role(roles) {
            if s.ended.is_some() || !s.in_effect(now) || s.scope != "/" {
                continue;
            }
            let is_group = self
                .directory
                .principal(&s.principal_id)
                .is_some_and(|p| p.kind == PrincipalKind::Group);
            if is_group {
                out.extend(self.directory.transitive_members(&s.principal_id));
            } else {
                out.insert(s.principal_id.clone());
            }
        }
        out
    }

    /// The activations drawn from the eligibility `eligibility_id` and not ended by an event
    /// (some may be past their end until `tick` ends them), found without a scan.
    pub(crate) fn activations_from(
        &self,
        eligibility_id: &str,
    ) -> impl Iterator<Item = Schedule> + '_ {
        self.schedule_slot_by_id(eligibility_id)
            .and_then(|slot| self.drawn_from.get(&slot))
            .into_iter()
            .flatten()
            .filter_map(|s| self.schedule_at(*s))
    }

    /// The slot of the schedule with `id`.
    pub(crate) fn schedule_slot_by_id(&self, id: &str) -> Option<u32> {
        self.schedule_slot.get(id, &|slot| self.schedules.id(slot))
    }

    /// The kind of the schedule in `slot`, read from its row.
    pub(crate) fn schedule_kind(&self, slot: u32) -> Option<AssignmentType> {
        self.schedules.row(slot).map(|r| r.kind())
    }

    /// The schedule in `slot`, made from its row.
    pub(crate) fn schedule_at(&self, slot: u32) -> Option<Schedule> {
        self.schedules.schedule(slot)
    }

    pub(crate) fn request_at(&self, slot: u32) -> Option<&RequestRecord> {
        self.requests.get(slot as usize)
    }

    pub(crate) fn review_at_slot(&self, slot: u32) -> Option<&Review> {
        self.reviews.get(slot as usize)
    }

    /// What time will do, in time order.
    pub(crate) fn timeline(&self) -> impl Iterator<Item = &(Instant, Due)> {
        self.timeline.iter()
    }

    /// The next id for the `n`th id-bearing event of an outcome (0-based).
    /// Generated ids are unique across requests and schedules, whichever kind `I` is.
    pub(crate) fn next_id<I: From<String>>(&self, prefix: &str, n: u64) -> I {
        let mut id = format!(
            "{prefix}-{}",
            self.issued.saturating_add(n).saturating_add(1)
        );
        // A caller may have chosen an id that looks generated; never reuse one.
        while self.request_slot.contains_key(id.as_str()) || self.schedule_slot_by_id(&id).is_some()
        {
            id.push('x');
        }
        I::from(id)
    }

    /// The id of the schedule request `request` creates (its `n`th id-bearing event): the
    /// request's own id, as Graph names a new schedule after the request that made it
    /// (`targetScheduleId` equals `id`), when the caller chose that id and no schedule has it
    /// yet; else a generated one. Generated request ids (`request-N`) keep generated schedule
    /// ids, so files without chosen ids replay as they always did.
    pub(crate) fn schedule_id_for(&self, request: &str, n: u64) -> ScheduleId {
        let generated = request
            .strip_prefix("request-")
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit() || b == b'x'));
        if generated || self.schedule_slot_by_id(request).is_some() {
            self.next_id("schedule", n)
        } else {
            ScheduleId::from(String::from(request))
        }
    }

    /// What a granted request becomes at its start: `Provisioned`, or `Revoked` when the
    /// schedule it created ended before it began (deactivated, removed, membership lost).
    pub(crate) fn granted_outcome(&self, r: &RequestRecord) -> Status {
        let ended_early = r
            .target_schedule_id
            .as_deref()
            .and_then(|id| self.schedule(id))
            .is_some_and(|s| {
                s.ended.is_some() && s.end_date_time.is_some_and(|e| e <= r.start_date_time)
            });
        if ended_early {
            Status::Revoked
        } else {
            Status::Provisioned
        }
    }

    /// The status a request has at `now`, counting what time alone has done since the last
    /// tick: a granted request whose start has come is provisioned; a pending one whose stage
    /// timed out has timed out.
    pub fn effective_status(&self, r: &RequestRecord, now: Instant) -> Status {
        match r.status {
            Status::Granted if r.start_date_time <= now => self.granted_outcome(r),
            Status::PendingApproval
                if r.current_step()
                    .and_then(|s| s.time_out_date_time)
                    .is_some_and(|t| t <= now) =>
            {
                Status::TimedOut
            }
            s => s,
        }
    }

    /// Applies one event, or refuses it without changing anything when it does not fit (a
    /// corrupt or foreign log). Returns the slot of the schedule it created or changed, so the
    /// engine can bring its check index in line.
    pub(crate) fn apply(&mut self, event: &Event) -> Result<Option<u32>, ApplyError> {
        self.validate(event)?;
        match event {
            Event::PrincipalAdded { .. }
            | Event::RoleDefinitionAdded { .. }
            | Event::MembershipChanged { .. } => self.apply_directory(event),
            Event::PolicySet { .. }
            | Event::AlertConfigured { .. }
            | Event::AlertDismissed { .. }
            | Event::AlertsRefreshed { .. }
            | Event::SignInRecorded { .. }
            | Event::AuditRetentionSet { .. } => self.apply_governance(event)?,
            Event::RequestSubmitted { .. }
            | Event::RequestRejected { .. }
            | Event::ApprovalRecorded { .. }
            | Event::RequestStatusChanged { .. } => self.apply_request(event)?,
            Event::ScheduleCreated { .. }
            | Event::ScheduleUpdated { .. }
            | Event::ScheduleEnded { .. }
            | Event::ReminderDue { .. } => return self.apply_schedule(event),
            Event::ReviewCreated { .. }
            | Event::ReviewInstanceStarted { .. }
            | Event::ReviewDecided { .. }
            | Event::ReviewInstanceEnded { .. }
            | Event::ReviewReset { .. }
            | Event::ReviewApplied { .. }
            | Event::ReviewReminderDue { .. }
            | Event::ReviewDeleted { .. } => self.apply_review(event)?,
            // Audit only: a refusal changes nothing.
            Event::CommandRefused { .. } => {}
        }
        Ok(None)
    }

    fn apply_directory(&mut self, event: &Event) {
        match event {
            Event::PrincipalAdded {
                principal, members, ..
            } => {
                let is_group = principal.kind == PrincipalKind::Group;
                self.directory.put_principal(principal.clone());
                if is_group {
                    let old: Vec<PrincipalId> =
                        self.directory.direct_members(&principal.id).to_vec();
                    self.directory.change_members(&principal.id, members, &old);
                }
            }
            Event::RoleDefinitionAdded { role, .. } => self.directory.put_role(role.clone()),
            Event::MembershipChanged {
                group_id,
                added,
                removed,
                ..
            } => self.directory.change_members(group_id, added, removed),
            _ => {}
        }
    }

    /// Refuses an event that names what does not exist, or reuses an id.
    fn validate(&self, event: &Event) -> Result<(), ApplyError> {
        let missing_request = |id: &str| {
            (!self.request_slot.contains_key(id)).then(|| ApplyError::UnknownRequest(id.into()))
        };
        let missing_schedule = |id: &str| {
            self.schedule_slot_by_id(id)
                .is_none()
                .then(|| ApplyError::UnknownSchedule(id.into()))
        };
        let problem = match event {
            Event::RequestSubmitted { request, .. } => self
                .request_slot
                .contains_key(&request.id)
                .then(|| ApplyError::DuplicateRequest(request.id.clone())),
            Event::ScheduleCreated { schedule, .. } => self
                .schedule_slot_by_id(&schedule.id)
                .is_some()
                .then(|| ApplyError::DuplicateSchedule(schedule.id.clone())),
            Event::ApprovalRecorded { request_id, .. }
            | Event::RequestStatusChanged { request_id, .. } => missing_request(request_id),
            Event::ReviewCreated { definition, .. } => match &definition.id {
                Some(id) if !self.review_slot.contains_key(id) => None,
                Some(id) => Some(ApplyError::DuplicateReview(id.clone())),
                None => Some(ApplyError::ReviewWithoutId),
            },
            Event::ScheduleUpdated { schedule_id, .. }
            | Event::ScheduleEnded { schedule_id, .. } => missing_schedule(schedule_id),
            _ => None,
        };
        problem.map_or(Ok(()), Err)
    }
}

/// A slot for the next item of a list of `len`, or the error when the list is full.
/// Two ascending lists of slots as one ascending sequence.
fn merge_ascending<'a>(mut a: &'a [u32], mut b: &'a [u32]) -> impl Iterator<Item = u32> + 'a {
    core::iter::from_fn(move || {
        let (next, rest_a, rest_b) = match (a.split_first(), b.split_first()) {
            (Some((x, ra)), Some((y, _))) if x <= y => (*x, ra, b),
            (_, Some((y, rb))) => (*y, a, rb),
            (Some((x, ra)), None) => (*x, ra, b),
            (None, None) => return None,
        };
        (a, b) = (rest_a, rest_b);
        Some(next)
    })
}

fn next_slot(len: usize, what: &'static str) -> Result<u32, ApplyError> {
    u32::try_from(len).map_err(|_| ApplyError::TooMany(what))
}

#[cfg(test)]
mod tests {
    use super::merge_ascending;
    use alloc::vec::Vec;

    #[test]
    fn merging_keeps_ascending_order_and_every_slot() {
        let merged: Vec<u32> = merge_ascending(&[1, 4, 5, 9], &[2, 3, 10]).collect();
        assert_eq!(merged, [1, 2, 3, 4, 5, 9, 10]);
        assert_eq!(merge_ascending(&[], &[7]).collect::<Vec<_>>(), [7]);
        assert_eq!(merge_ascending(&[7], &[]).collect::<Vec<_>>(), [7]);
        assert!(merge_ascending(&[], &[]).next().is_none());
    }
}
