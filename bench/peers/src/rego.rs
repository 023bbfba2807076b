//! regorus (Microsoft's Rego engine): the tenant as a data document, the questions as Rego
//! rules, evaluated by the interpreter (`Engine::eval_rule`) and by the RVM (the policy
//! compiled to a register-machine program, `RegoVM::execute`).
//!
//! The data document is what an OPA bundle would hold: `grants` (active schedules, direct,
//! group and activations) and `eligible` (eligible schedules), each by holder, every entry
//! `{role, scope, start, end}` in Unix seconds (permanent: year 9999); `groups_of`, each
//! user's groups. Expired and future windows stay in the data: the rule compares with
//! `input.now`.

use std::collections::BTreeMap;
use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use regorus::{Engine, Rc, Value};

use crate::activation::{Form, Settings, Verdict};
use crate::tenant::{Kind, PERMANENT_END, Tenant};

/// The gateway policy.
pub const CHECK_POLICY: &str = r#"
package pim

import rego.v1

default allow := false

allow if {
	some g in data.grants[input.principal]
	held(g)
}

allow if {
	some group in data.groups_of[input.principal]
	some g in data.grants[group]
	held(g)
}

held(g) if {
	g.role == input.role
	covers(g.scope)
	g.start <= input.now
	input.now < g.end
}

covers(scope) if scope == "/"

covers(scope) if scope == input.scope
"#;

/// The gateway rule's path.
pub const CHECK_RULE: &str = "data.pim.allow";

/// The activation rules: the failed ones as a set, the refusal that wins as in pim.
pub const ACTIVATION_POLICY: &str = r#"
package pim.activation

import rego.v1

settings := data.settings[input.role]

failed contains "ExpirationRule" if input.durationSeconds > settings.maxDurationSeconds

failed contains "MfaRule" if {
	settings.requireMfa
	not input.mfa
}

failed contains "JustificationRule" if {
	settings.requireJustification
	not given("justification")
}

failed contains "TicketingRule" if {
	settings.requireTicket
	not given("ticketNumber")
}

given(field) if trim_space(input[field]) != ""

outside if input.start < input.eligibility.start

outside if input.start >= input.eligibility.end

requested_end := input.start + input.durationSeconds

end := min([object.get(input.eligibility, "end", requested_end), requested_end])

default refusal := ""

refusal := "RoleAssignmentDoesNotExist" if outside

refusal := "ActiveDurationTooShort" if {
	not outside
	end - input.start < 300
}

refusal := "RoleAssignmentRequestPolicyValidationFailed" if {
	not outside
	end - input.start >= 300
	count(failed) > 0
}

decision := {"failed": failed, "refusal": refusal}
"#;

/// The activation rule's path.
pub const ACTIVATION_RULE: &str = "data.pim.activation.decision";

fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: BTreeMap<Value, Value> = fields
        .into_iter()
        .map(|(k, v)| (Value::from(k), v))
        .collect();
    Value::from(map)
}

/// The data document, built from the records.
pub fn data(t: &Tenant) -> Value {
    let mut grants: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    let mut eligible: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for g in &t.grants {
        let entry = object([
            ("role", Value::from(t.roles[g.role].as_str())),
            ("scope", Value::from(g.scope.as_str())),
            ("start", Value::from(g.start)),
            ("end", Value::from(g.end.unwrap_or(PERMANENT_END))),
        ]);
        let by = match g.kind {
            Kind::Active => &mut grants,
            Kind::Eligible => &mut eligible,
        };
        by.entry(Value::from(g.principal.as_str()))
            .or_default()
            .push(entry);
    }
    let mut groups_of: BTreeMap<Value, Vec<Value>> = BTreeMap::new();
    for (g, members) in &t.groups {
        for &u in members {
            groups_of
                .entry(Value::from(t.users[u].as_str()))
                .or_default()
                .push(Value::from(g.as_str()));
        }
    }
    let arrays = |m: BTreeMap<Value, Vec<Value>>| {
        Value::from(
            m.into_iter()
                .map(|(k, v)| (k, Value::from(v)))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    object([
        ("grants", arrays(grants)),
        ("eligible", arrays(eligible)),
        ("groups_of", arrays(groups_of)),
    ])
}

/// The input for a question, built from its strings.
pub fn check_input(principal: &str, role: &str, scope: &str, now: i64) -> Value {
    object([
        ("principal", Value::from(principal)),
        ("role", Value::from(role)),
        ("scope", Value::from(scope)),
        ("now", Value::from(now)),
    ])
}

/// The interpreter with the policy and the data loaded.
pub fn interpreter(policy: &str, data: Value) -> Engine {
    let mut engine = Engine::new();
    engine
        .add_policy("policy.rego".into(), policy.into())
        .expect("the policy parses");
    engine.add_data(data).expect("the data is an object");
    engine
}

/// Evaluates `rule` on `input` with the interpreter.
pub fn interpret(engine: &mut Engine, rule: &str, input: Value) -> Value {
    engine.set_input(input);
    engine
        .eval_rule(rule.to_string())
        .expect("the rule evaluates")
}

/// The policy compiled for the RVM, with the data loaded.
pub fn vm(policy: &str, rule: &str, data: Value) -> RegoVM {
    let mut engine = Engine::new();
    engine
        .add_policy("policy.rego".into(), policy.into())
        .expect("the policy parses");
    let entry: Rc<str> = rule.into();
    let compiled = engine
        .compile_with_entrypoint(&entry)
        .expect("the policy compiles");
    let program: Arc<Program> =
        Compiler::compile_from_policy(&compiled, &[rule]).expect("the RVM compiles the policy");
    let mut vm = RegoVM::new();
    vm.load_program(program);
    vm.set_data(data).expect("the data is an object");
    vm
}

/// Evaluates the loaded program on `input` with the RVM.
pub fn run(vm: &mut RegoVM, input: Value) -> Value {
    vm.set_input(input);
    vm.execute().expect("the program runs")
}

/// Whether a gateway answer is `true`.
pub fn allowed(v: &Value) -> bool {
    v == &Value::from(true)
}

/// The settings document: the role's activation settings.
pub fn settings_data(role: &str, s: &Settings) -> Value {
    let settings = object([
        ("maxDurationSeconds", Value::from(s.max_duration_seconds)),
        ("requireMfa", Value::from(s.mfa)),
        ("requireJustification", Value::from(s.justification)),
        ("requireTicket", Value::from(s.ticket)),
    ]);
    object([("settings", object([(role, settings)]))])
}

/// The input for an activation form.
pub fn activation_input(role: &str, f: &Form) -> Value {
    let mut eligibility = vec![("start", Value::from(f.eligibility_start))];
    if let Some(e) = f.eligibility_end {
        eligibility.push(("end", Value::from(e)));
    }
    let mut fields = vec![
        ("principal", Value::from(f.principal.as_str())),
        ("role", Value::from(role)),
        ("start", Value::from(f.start)),
        ("durationSeconds", Value::from(f.duration_seconds)),
        ("mfa", Value::from(f.mfa)),
        ("eligibility", object(eligibility)),
    ];
    if let Some(j) = &f.justification {
        fields.push(("justification", Value::from(j.as_str())));
    }
    if let Some(n) = &f.ticket_number {
        fields.push(("ticketNumber", Value::from(n.as_str())));
    }
    object(fields)
}

/// The verdict in the cross-check's terms, from the `decision` object.
pub fn verdict(decision: &Value) -> Verdict {
    let refusal = decision["refusal"]
        .as_string()
        .expect("refusal is a string")
        .to_string();
    let mut fired: Vec<String> = decision["failed"]
        .as_set()
        .expect("failed is a set")
        .iter()
        .map(|v| v.as_string().expect("a rule name").to_string())
        .collect();
    fired.push(refusal.clone());
    Verdict::from_fired(refusal.is_empty(), &fired)
}
