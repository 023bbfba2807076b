//! The tenant every engine loads: plain records, generated deterministically with the shape of
//! `core/benches/engine.rs` (users, groups of fifty, twenty roles, eligible and active
//! assignments, group assignments, activations, scopes `/` and administrative units), and the
//! questions asked of it.

use std::collections::HashMap;

/// Entra's built-in roles the engine knows; the rest of the twenty are custom roles.
pub const BUILT_IN: [&str; 7] = [
    "62e90394-69f5-4237-9190-012177145e10",
    "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "194ae4cb-b126-40b2-bd5b-6091b380977d",
    "5d6b6bb7-de71-4623-b4af-96380a352509",
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
    "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "fe930be7-5e62-47db-91af-98c3a49a38b1",
];
/// How many roles the tenant has.
pub const ROLE_COUNT: usize = 20;
/// The first three built-in roles are administrators: rare, as in real tenants.
const ADMIN_ROLES: usize = 3;
/// How many administrative units assignments are scoped to.
pub const UNITS: usize = 50;
/// How many questions of each kind the benchmarks cycle through.
pub const KEYS: usize = 1024;
/// The end the peers store for a permanent window: 9999-12-31T23:59:59Z.
pub const PERMANENT_END: i64 = 253_402_300_799;
/// The benchmark's "now": 2026-03-02T09:00:00Z, in Unix seconds.
pub const NOW: i64 = 1_772_442_000;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

/// splitmix64: deterministic and dependency-free.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    fn below_i64(&mut self, n: usize) -> i64 {
        self.below(n) as i64
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// A role index: the three administrator roles are 0.02 % of assignments.
    fn role(&mut self) -> usize {
        if self.next_u64() % 10_000 < 2 {
            self.below(ADMIN_ROLES)
        } else {
            ADMIN_ROLES + self.below(ROLE_COUNT - ADMIN_ROLES)
        }
    }
}

/// Eligible (may activate) or active (holds the role).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An eligible assignment.
    Eligible,
    /// An active assignment, assigned or activated.
    Active,
}

/// One assignment schedule: a user's or a group's.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The schedule's id.
    pub id: String,
    /// The user or group holding it.
    pub principal: String,
    /// Whether the holder is a group.
    pub group: bool,
    /// Index into [`Tenant::roles`].
    pub role: usize,
    /// Eligible or active.
    pub kind: Kind,
    /// For an activation: the eligibility it was drawn from.
    pub activated_using: Option<String>,
    /// `/` or `/administrativeUnits/auN`.
    pub scope: String,
    /// Unix seconds.
    pub start: i64,
    /// Unix seconds; `None` when permanent.
    pub end: Option<i64>,
}

impl Grant {
    /// Whether the window holds `now`.
    pub fn in_effect(&self, now: i64) -> bool {
        self.start <= now && self.end.is_none_or(|e| now < e)
    }
}

/// "Is `principal` active in `role` at `scope` now?"
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// A user id, or one the tenant does not know.
    pub principal: String,
    /// A role id.
    pub role: String,
    /// A scope.
    pub scope: String,
}

/// The questions of each kind, with the answer each kind must get.
#[derive(Debug, Default)]
pub struct Questions {
    /// Active through the user's own assignment at `/`.
    pub direct: Vec<Question>,
    /// Active only through a group the user is in.
    pub group: Vec<Question>,
    /// Active through an activation.
    pub activation: Vec<Question>,
    /// Eligible at `/` but not active: the common miss.
    pub eligible_only: Vec<Question>,
    /// A principal the tenant does not know.
    pub unknown: Vec<Question>,
}

/// The tenant's records, in memory, as every engine's loader reads them.
pub struct Tenant {
    /// Role ids; the first [`BUILT_IN`] ones are Entra's.
    pub roles: Vec<String>,
    /// User ids.
    pub users: Vec<String>,
    /// Group ids with their members (indexes into `users`).
    pub groups: Vec<(String, Vec<usize>)>,
    /// Every schedule.
    pub grants: Vec<Grant>,
    /// The questions.
    pub questions: Questions,
}

/// A user's id.
pub fn user(i: usize) -> String {
    format!("user-{i:07}")
}

fn group(i: usize) -> String {
    format!("group-{i:05}")
}

/// The scopes assignments use: `/` and the administrative units.
pub fn scopes() -> Vec<String> {
    let mut all = vec!["/".to_string()];
    all.extend((0..UNITS).map(|i| format!("/administrativeUnits/au{i}")));
    all
}

/// A window as `core/benches/engine.rs` draws it: 60 % permanent, 25 % current and
/// time-bound, 10 % expired, 5 % future.
fn window(rng: &mut Rng) -> (i64, Option<i64>) {
    let now = NOW;
    match rng.below(100) {
        0..=59 => (now - DAY * (30 + rng.below_i64(300)), None),
        60..=84 => (
            now - DAY * (1 + rng.below_i64(60)),
            Some(now + DAY * (1 + rng.below_i64(120))),
        ),
        85..=94 => (
            now - DAY * (60 + rng.below_i64(60)),
            Some(now - DAY * (1 + rng.below_i64(30))),
        ),
        _ => (
            now + DAY * (1 + rng.below_i64(20)),
            Some(now + DAY * (30 + rng.below_i64(60))),
        ),
    }
}

fn scope(rng: &mut Rng) -> String {
    if rng.chance(85) {
        "/".to_string()
    } else {
        format!("/administrativeUnits/au{}", rng.below(UNITS))
    }
}

/// What the generator remembers per (user, role) to pick questions afterwards.
#[derive(Default, Clone, Copy)]
struct Holding {
    active_direct_root: bool,
    activated: bool,
    eligible_root_permanent: bool,
    active_any: bool,
}

/// Adds schedules and remembers what each (user, role) holds.
struct Builder {
    rng: Rng,
    roles: Vec<String>,
    grants: Vec<Grant>,
    holdings: HashMap<(usize, usize), Holding>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        principal: String,
        group: bool,
        role: usize,
        kind: Kind,
        scope: String,
        (start, end): (i64, Option<i64>),
        activated_using: Option<String>,
    ) -> String {
        let id = format!("s-{:08}", self.grants.len() + 1);
        self.grants.push(Grant {
            id: id.clone(),
            principal,
            group,
            role,
            kind,
            activated_using,
            scope,
            start,
            end,
        });
        id
    }

    /// One user assignment: 50 % eligible, 40 % active, 10 % an eligibility at `/` plus its
    /// activation. Returns how many schedules it added.
    fn user_assignment(&mut self, users: usize) -> usize {
        let u = self.rng.below(users);
        let r = self.rng.role();
        let mut h = self.holdings.get(&(u, r)).copied().unwrap_or_default();
        let added = match self.rng.below(100) {
            0..=49 => {
                let w = window(&mut self.rng);
                let sc = scope(&mut self.rng);
                h.eligible_root_permanent |= sc == "/" && w.1.is_none();
                self.push(user(u), false, r, Kind::Eligible, sc, w, None);
                1
            }
            50..=89 => {
                let w = window(&mut self.rng);
                let sc = scope(&mut self.rng);
                if w.0 <= NOW && w.1.is_none_or(|e| NOW < e) {
                    h.active_any = true;
                    h.active_direct_root |= sc == "/";
                }
                self.push(user(u), false, r, Kind::Active, sc, w, None);
                1
            }
            _ => {
                let elig = (NOW - 90 * DAY, None);
                let id = self.push(user(u), false, r, Kind::Eligible, "/".into(), elig, None);
                let start = NOW - HOUR * (self.rng.below_i64(7) + 1);
                let w = (start, Some(start + 8 * HOUR));
                self.push(user(u), false, r, Kind::Active, "/".into(), w, Some(id));
                h.activated = true;
                h.active_any = true;
                2
            }
        };
        self.holdings.insert((u, r), h);
        added
    }
}

/// The twenty role ids.
fn role_ids() -> Vec<String> {
    let mut roles: Vec<String> = BUILT_IN.iter().map(|r| r.to_string()).collect();
    roles.extend((roles.len()..ROLE_COUNT).map(|i| format!("custom-role-{i:02}")));
    roles
}

/// Builds a tenant of about `assignments` schedules: one user per ten assignments, groups of
/// fifty members (one group per 5,000 assignments), each group active in one to three roles
/// at `/` and eligible in one or two.
pub fn generate(assignments: usize) -> Tenant {
    let users = (assignments / 10).max(100);
    let group_count = (assignments / 5_000).max(10);
    let mut b = Builder {
        rng: Rng(0x5EED ^ assignments as u64),
        roles: role_ids(),
        grants: Vec::with_capacity(assignments + 8),
        holdings: HashMap::new(),
    };
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); users];
    let mut groups = Vec::with_capacity(group_count);
    for g in 0..group_count {
        let mut members = Vec::new();
        while members.len() < 50.min(users) {
            let u = b.rng.below(users);
            if !members.contains(&u) {
                members.push(u);
                members_of[u].push(g);
            }
        }
        groups.push((group(g), members));
    }
    let mut group_active: Vec<Vec<usize>> = vec![Vec::new(); group_count];
    for (g, active) in group_active.iter_mut().enumerate() {
        for _ in 0..1 + b.rng.below(3) {
            let r = b.rng.role();
            let w = (NOW - 10 * DAY, None);
            b.push(group(g), true, r, Kind::Active, "/".into(), w, None);
            active.push(r);
        }
        for _ in 0..1 + b.rng.below(2) {
            let r = b.rng.role();
            let w = window(&mut b.rng);
            let sc = scope(&mut b.rng);
            b.push(group(g), true, r, Kind::Eligible, sc, w, None);
        }
    }
    while b.grants.len() < assignments {
        b.user_assignment(users);
    }
    let questions = pick_questions(&b, &groups, &members_of, &group_active);
    Tenant {
        users: (0..users).map(user).collect(),
        roles: b.roles,
        groups,
        grants: b.grants,
        questions,
    }
}

/// The questions of each kind, as `core/benches/engine.rs` picks them (all at `/`).
fn pick_questions(
    b: &Builder,
    groups: &[(String, Vec<usize>)],
    members_of: &[Vec<usize>],
    group_active: &[Vec<usize>],
) -> Questions {
    let ask = |u: usize, r: usize| Question {
        principal: user(u),
        role: b.roles[r].clone(),
        scope: "/".into(),
    };
    let mut q = Questions::default();
    let mut sorted: Vec<(&(usize, usize), &Holding)> = b.holdings.iter().collect();
    sorted.sort_by_key(|(k, _)| **k);
    for (&(u, r), h) in sorted {
        let via_group = members_of[u].iter().any(|g| group_active[*g].contains(&r));
        if h.active_direct_root && q.direct.len() < KEYS {
            q.direct.push(ask(u, r));
        }
        if h.activated && !h.active_direct_root && q.activation.len() < KEYS {
            q.activation.push(ask(u, r));
        }
        if h.eligible_root_permanent && !h.active_any && !via_group && q.eligible_only.len() < KEYS
        {
            q.eligible_only.push(ask(u, r));
        }
    }
    'outer: for (g, (_, members)) in groups.iter().enumerate() {
        for &r in &group_active[g] {
            for &u in members {
                let own = b.holdings.get(&(u, r)).copied().unwrap_or_default();
                if !own.active_any {
                    q.group.push(ask(u, r));
                    if q.group.len() >= KEYS {
                        break 'outer;
                    }
                }
            }
        }
    }
    q.unknown = (0..KEYS)
        .map(|i| Question {
            principal: format!("stranger-{i}"),
            role: b.roles[i % ROLE_COUNT].clone(),
            scope: "/".into(),
        })
        .collect();
    q
}

/// `count` random questions: half over every user (and some strangers), role and scope, half
/// about the holder (or, for a group, a member) and role of a random schedule, at its scope,
/// at `/` or at another unit: the cross-check's sample, whose answers no one chose in advance.
pub fn random_questions(t: &Tenant, count: usize) -> Vec<Question> {
    let mut rng = Rng(0xC0FFEE);
    let scopes = scopes();
    let any_scope = |rng: &mut Rng, own: &str| match rng.below(3) {
        0 => own.to_string(),
        1 => "/".to_string(),
        _ => scopes[rng.below(scopes.len())].clone(),
    };
    (0..count)
        .map(|i| {
            if i % 2 == 0 {
                let g = &t.grants[rng.below(t.grants.len())];
                let principal = if g.group {
                    let members = t
                        .groups
                        .iter()
                        .find(|(id, _)| *id == g.principal)
                        .map(|(_, m)| m.as_slice())
                        .unwrap_or_default();
                    t.users[members[rng.below(members.len())]].clone()
                } else {
                    g.principal.clone()
                };
                let scope = any_scope(&mut rng, &g.scope);
                return Question {
                    principal,
                    role: t.roles[g.role].clone(),
                    scope,
                };
            }
            Question {
                principal: if rng.chance(5) {
                    format!("stranger-{}", rng.below(100))
                } else {
                    t.users[rng.below(t.users.len())].clone()
                },
                role: t.roles[rng.below(t.roles.len())].clone(),
                scope: any_scope(&mut rng, "/"),
            }
        })
        .collect()
}
