//! Cedar (`cedar-policy` 4): one generic policy over entity tags.
//!
//! Cedar has no quantifier (no "some grant such that …"), so a policy cannot scan a list of
//! grants, nor look at the tags of a principal's groups. The idiomatic model is the one Cedar's
//! entity tags were made for: each `User` carries one tag per role and scope it holds, keyed
//! `"<role>|<scope>"`, whose value is the window `{start, end}` (Unix seconds, `Long`), and the
//! policy compares it with `context.now`. The loader therefore
//! - flattens group assignments onto the members' tags (members keep their `Group` parents),
//! - keeps per key the window in effect at load time (the one ending last) or, if none is, the
//!   next to start, and drops expired ones: a host must rewrite a key when its window ends, as
//!   pim's `tick` ends expired schedules,
//! - stores eligibilities under `"eligible|<role>|<scope>"` (held, not read by the policy).
//!
//! The resource is a `RoleAtScope` entity whose attributes name the tag keys that grant it:
//! its own (`key`) and, below `/`, the tenant-wide one (`parentKey`).

use std::collections::HashMap;
use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, Policy,
    PolicyId, PolicySet, Request, Response, RestrictedExpression,
};

use crate::tenant::{Kind, PERMANENT_END, Tenant, scopes};

/// The gateway policy: the principal holds a window covering `context.now` for the role at
/// the asked scope or, below `/`, at `/`.
pub const CHECK_POLICY: &str = r#"
permit (principal is User, action == Action::"holdRole", resource is RoleAtScope)
when {
  (principal.hasTag(resource.key) &&
   principal.getTag(resource.key).start <= context.now &&
   context.now < principal.getTag(resource.key).end) ||
  (resource has parentKey &&
   principal.hasTag(resource.parentKey) &&
   principal.getTag(resource.parentKey).start <= context.now &&
   context.now < principal.getTag(resource.parentKey).end)
};
"#;

/// A loaded Cedar tenant.
pub struct Gateway {
    entities: Entities,
    policies: PolicySet,
    authorizer: Authorizer,
    user: EntityTypeName,
    role_at_scope: EntityTypeName,
    action: EntityUid,
}

fn type_name(name: &str) -> EntityTypeName {
    EntityTypeName::from_str(name).expect("a valid type name")
}

fn uid(ty: &EntityTypeName, id: &str) -> EntityUid {
    EntityUid::from_type_name_and_id(ty.clone(), EntityId::new(id))
}

fn window(start: i64, end: i64) -> RestrictedExpression {
    RestrictedExpression::new_record([
        ("start".to_string(), RestrictedExpression::new_long(start)),
        ("end".to_string(), RestrictedExpression::new_long(end)),
    ])
    .expect("distinct fields")
}

/// The window a key keeps: the one in effect at `now` ending last, else the next to start.
fn keep(windows: &[(i64, i64)], now: i64) -> Option<(i64, i64)> {
    let current = windows
        .iter()
        .filter(|(s, e)| *s <= now && now < *e)
        .max_by_key(|(_, e)| *e);
    current
        .or_else(|| {
            windows
                .iter()
                .filter(|(s, _)| *s > now)
                .min_by_key(|(s, _)| *s)
        })
        .copied()
}

/// Tags of one holder: key to its windows.
type Windows = HashMap<String, Vec<(i64, i64)>>;

fn tags(windows: &Windows, now: i64) -> Vec<(String, RestrictedExpression)> {
    windows
        .iter()
        .filter_map(|(k, w)| keep(w, now).map(|(s, e)| (k.clone(), window(s, e))))
        .collect()
}

/// Each holder's windows by tag key, from the records.
fn windows_by_holder(t: &Tenant) -> HashMap<&str, Windows> {
    let mut by: HashMap<&str, Windows> = HashMap::new();
    for g in &t.grants {
        let role = &t.roles[g.role];
        let key = match g.kind {
            Kind::Active => format!("{role}|{}", g.scope),
            Kind::Eligible => format!("eligible|{role}|{}", g.scope),
        };
        by.entry(g.principal.as_str())
            .or_default()
            .entry(key)
            .or_default()
            .push((g.start, g.end.unwrap_or(PERMANENT_END)));
    }
    by
}

/// The `RoleAtScope` resources: every role at every scope.
fn resources(t: &Tenant) -> Vec<Entity> {
    let ty = type_name("RoleAtScope");
    let mut out = Vec::new();
    for role in &t.roles {
        for scope in scopes() {
            let key = format!("{role}|{scope}");
            let mut attrs = vec![(
                "key".to_string(),
                RestrictedExpression::new_string(key.clone()),
            )];
            if scope != "/" {
                attrs.push((
                    "parentKey".to_string(),
                    RestrictedExpression::new_string(format!("{role}|/")),
                ));
            }
            let e =
                Entity::new_with_tags(uid(&ty, &key), attrs, [], []).expect("literal attributes");
            out.push(e);
        }
    }
    out
}

/// Loads the tenant as entities (users with their groups as parents and their flattened tags,
/// groups with their own, the resources) and the one policy.
pub fn load(t: &Tenant, now: i64) -> Gateway {
    let user_ty = type_name("User");
    let group_ty = type_name("Group");
    let by = windows_by_holder(t);
    let mut groups_of: Vec<Vec<usize>> = vec![Vec::new(); t.users.len()];
    for (g, (_, members)) in t.groups.iter().enumerate() {
        for &u in members {
            groups_of[u].push(g);
        }
    }
    let mut entities = resources(t);
    let empty = Windows::new();
    for (g, _) in &t.groups {
        let own = by.get(g.as_str()).unwrap_or(&empty);
        let e =
            Entity::new_with_tags(uid(&group_ty, g), [], [], tags(own, now)).expect("literal tags");
        entities.push(e);
    }
    for (u, id) in t.users.iter().enumerate() {
        let mut windows = by.get(id.as_str()).cloned().unwrap_or_default();
        for &g in &groups_of[u] {
            for (k, w) in by.get(t.groups[g].0.as_str()).unwrap_or(&empty) {
                windows.entry(k.clone()).or_default().extend(w);
            }
        }
        let parents = groups_of[u].iter().map(|&g| uid(&group_ty, &t.groups[g].0));
        let e = Entity::new_with_tags(uid(&user_ty, id), [], parents, tags(&windows, now))
            .expect("literal tags");
        entities.push(e);
    }
    let entities = Entities::from_entities(entities, None).expect("the entities are consistent");
    let policies = PolicySet::from_str(CHECK_POLICY).expect("the policy parses");
    Gateway {
        entities,
        policies,
        authorizer: Authorizer::new(),
        user: user_ty,
        role_at_scope: type_name("RoleAtScope"),
        action: uid(&type_name("Action"), "holdRole"),
    }
}

impl Gateway {
    /// The request for a question, built from its strings.
    pub fn request(&self, principal: &str, role: &str, scope: &str, now: i64) -> Request {
        let context =
            Context::from_pairs([("now".to_string(), RestrictedExpression::new_long(now))])
                .expect("one field");
        Request::new(
            uid(&self.user, principal),
            self.action.clone(),
            uid(&self.role_at_scope, &format!("{role}|{scope}")),
            context,
            None,
        )
        .expect("no schema to violate")
    }

    /// The answer to a built request.
    pub fn decide(&self, request: &Request) -> Response {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
    }

    /// The gateway question, from the question's strings.
    pub fn check(&self, principal: &str, role: &str, scope: &str, now: i64) -> bool {
        let r = self.request(principal, role, scope, now);
        self.decide(&r).decision() == Decision::Allow
    }
}

/// The activation rules, one `forbid` per rule named by its policy id (the ids `reason()`
/// reports are pim's rule and error names), over the role's settings (the resource's
/// attributes) and the form (the context). Cedar has no `trim`, so the context carries the
/// justification and ticket number already trimmed.
pub const ACTIVATION_POLICIES: [(&str, &str); 7] = [
    (
        "permit",
        r#"permit (principal, action == Action::"activate", resource is Role);"#,
    ),
    (
        "ExpirationRule",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { context.durationSeconds > resource.maxDurationSeconds };"#,
    ),
    (
        "MfaRule",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { resource.requireMfa && !context.mfa };"#,
    ),
    (
        "JustificationRule",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { resource.requireJustification &&
                  (!(context has justification) || context.justification == "") };"#,
    ),
    (
        "TicketingRule",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { resource.requireTicket &&
                  (!(context has ticketNumber) || context.ticketNumber == "") };"#,
    ),
    (
        "RoleAssignmentDoesNotExist",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { context.start < context.eligibilityStart ||
                  (context has eligibilityEnd && context.start >= context.eligibilityEnd) };"#,
    ),
    (
        "ActiveDurationTooShort",
        r#"forbid (principal, action == Action::"activate", resource is Role)
           when { (if context has eligibilityEnd &&
                      context.eligibilityEnd < context.start + context.durationSeconds
                   then context.eligibilityEnd
                   else context.start + context.durationSeconds) - context.start < 300 };"#,
    ),
];

/// The activation rules loaded: the policies and the role with its settings.
pub struct Rules {
    entities: Entities,
    policies: PolicySet,
    authorizer: Authorizer,
    principal: EntityTypeName,
    role: EntityUid,
    action: EntityUid,
}

impl Rules {
    /// The policies and one `Role` entity carrying `settings`.
    pub fn new(role: &str, settings: &crate::activation::Settings) -> Rules {
        let mut policies = PolicySet::new();
        for (id, text) in ACTIVATION_POLICIES {
            let p = Policy::parse(Some(PolicyId::new(id)), text).expect("the policy parses");
            policies.add(p).expect("distinct ids");
        }
        let role_uid = uid(&type_name("Role"), role);
        let attrs = [
            (
                "maxDurationSeconds",
                RestrictedExpression::new_long(settings.max_duration_seconds),
            ),
            ("requireMfa", RestrictedExpression::new_bool(settings.mfa)),
            (
                "requireJustification",
                RestrictedExpression::new_bool(settings.justification),
            ),
            (
                "requireTicket",
                RestrictedExpression::new_bool(settings.ticket),
            ),
        ]
        .map(|(k, v)| (k.to_string(), v));
        let e = Entity::new_with_tags(role_uid.clone(), attrs, [], []).expect("literal attributes");
        Rules {
            entities: Entities::from_entities([e], None).expect("one entity"),
            policies,
            authorizer: Authorizer::new(),
            principal: type_name("User"),
            role: role_uid,
            action: uid(&type_name("Action"), "activate"),
        }
    }

    /// The request for a form.
    pub fn request(&self, f: &crate::activation::Form) -> Request {
        let long = RestrictedExpression::new_long;
        let mut pairs = vec![
            ("start".to_string(), long(f.start)),
            ("durationSeconds".to_string(), long(f.duration_seconds)),
            ("mfa".to_string(), RestrictedExpression::new_bool(f.mfa)),
            ("eligibilityStart".to_string(), long(f.eligibility_start)),
        ];
        if let Some(e) = f.eligibility_end {
            pairs.push(("eligibilityEnd".to_string(), long(e)));
        }
        for (k, v) in [
            ("justification", &f.justification),
            ("ticketNumber", &f.ticket_number),
        ] {
            if let Some(v) = v {
                pairs.push((
                    k.to_string(),
                    RestrictedExpression::new_string(v.trim().into()),
                ));
            }
        }
        let context = Context::from_pairs(pairs).expect("distinct fields");
        Request::new(
            uid(&self.principal, &f.principal),
            self.action.clone(),
            self.role.clone(),
            context,
            None,
        )
        .expect("no schema to violate")
    }

    /// The decision on a built request.
    pub fn decide(&self, request: &Request) -> Response {
        self.authorizer
            .is_authorized(request, &self.policies, &self.entities)
    }

    /// The verdict, in the cross-check's terms.
    pub fn verdict(&self, f: &crate::activation::Form) -> crate::activation::Verdict {
        let response = self.decide(&self.request(f));
        assert!(
            response.diagnostics().errors().next().is_none(),
            "a Cedar policy errored: {:?}",
            response.diagnostics().errors().collect::<Vec<_>>()
        );
        let fired: Vec<String> = response
            .diagnostics()
            .reason()
            .map(|id| id.to_string())
            .filter(|id| id != "permit")
            .collect();
        crate::activation::Verdict::from_fired(response.decision() == Decision::Allow, &fired)
    }
}
