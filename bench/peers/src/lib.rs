//! pim beside Cedar and regorus: the same tenant records loaded by each engine, the same
//! questions asked, and a cross-check that every engine gives the same answers before any
//! timing (docs/performance.md, "Beside Cedar and regorus").

pub mod activation;
pub mod cedar;
pub mod pim;
pub mod rego;
pub mod tenant;

use pim_core::Engine;
use regorus::rvm::vm::RegoVM;

use crate::tenant::{NOW, Question, Tenant};

/// The process's resident set size in KiB (Linux `VmRSS`), or 0.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// `10000` as `10k`, `1000000` as `1M`.
pub fn size_label(n: usize) -> String {
    match n {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

/// Every engine loaded with the same tenant.
pub struct Loaded {
    /// pim, as a gateway keeps it (`Projections::CHECK_ONLY`).
    pub pim: Engine,
    /// Cedar.
    pub cedar: cedar::Gateway,
    /// The regorus interpreter.
    pub interpreter: regorus::Engine,
    /// The regorus RVM.
    pub vm: RegoVM,
}

impl Loaded {
    /// Loads the tenant into every engine.
    pub fn new(t: &Tenant) -> Loaded {
        let data = rego::data(t);
        Loaded {
            pim: pim::load(t, NOW, pim_core::Projections::CHECK_ONLY),
            cedar: cedar::load(t, NOW),
            interpreter: rego::interpreter(rego::CHECK_POLICY, data.clone()),
            vm: rego::vm(rego::CHECK_POLICY, rego::CHECK_RULE, data),
        }
    }

    /// Each engine's answer to `q`: pim, Cedar, the interpreter, the RVM.
    pub fn answers(&mut self, q: &Question) -> [bool; 4] {
        let (p, r, s) = (q.principal.as_str(), q.role.as_str(), q.scope.as_str());
        let input = || rego::check_input(p, r, s, NOW);
        [
            pim::check(&self.pim, p, r, s, pim::instant(NOW)),
            self.cedar.check(p, r, s, NOW),
            rego::allowed(&rego::interpret(
                &mut self.interpreter,
                rego::CHECK_RULE,
                input(),
            )),
            rego::allowed(&rego::run(&mut self.vm, input())),
        ]
    }
}

/// Asserts that every engine answers every question of each kind as the kind says, and every
/// random question alike. Returns how many questions were checked and how many were "yes".
pub fn cross_check_gateway(t: &Tenant, loaded: &mut Loaded, random: usize) -> (usize, usize) {
    let q = &t.questions;
    let kinds: [(&str, &[Question], bool); 5] = [
        ("direct", &q.direct, true),
        ("group", &q.group, true),
        ("activation", &q.activation, true),
        ("eligible-only", &q.eligible_only, false),
        ("unknown", &q.unknown, false),
    ];
    let mut checked = 0;
    let mut yes = 0;
    for (name, questions, expect) in kinds {
        assert!(!questions.is_empty(), "no {name} questions in the tenant");
        for question in questions {
            let a = loaded.answers(question);
            assert_eq!(a, [expect; 4], "{name} question {question:?}");
            checked += 1;
            yes += usize::from(expect);
        }
    }
    for question in tenant::random_questions(t, random) {
        let a = loaded.answers(&question);
        assert!(
            a.iter().all(|x| *x == a[0]),
            "engines disagree on {question:?}: pim, Cedar, interpreter, RVM = {a:?}"
        );
        checked += 1;
        yes += usize::from(a[0]);
    }
    (checked, yes)
}

/// The activation rules in every engine, for one role.
pub struct Rules {
    /// pim's settings.
    pub pim: pim_core::RoleSettings,
    /// Cedar's policies and role entity.
    pub cedar: cedar::Rules,
    /// The interpreter with the rules and the settings document.
    pub interpreter: regorus::Engine,
    /// The RVM with the rules and the settings document.
    pub vm: RegoVM,
}

/// The role the activation forms are for.
pub const ACTIVATION_ROLE: &str = "custom-role-07";

impl Rules {
    /// The rules for [`activation::SETTINGS`].
    pub fn new() -> Rules {
        let s = activation::SETTINGS;
        let data = rego::settings_data(ACTIVATION_ROLE, &s);
        Rules {
            pim: activation::pim_settings(&s),
            cedar: cedar::Rules::new(ACTIVATION_ROLE, &s),
            interpreter: rego::interpreter(rego::ACTIVATION_POLICY, data.clone()),
            vm: rego::vm(rego::ACTIVATION_POLICY, rego::ACTIVATION_RULE, data),
        }
    }

    /// Each engine's verdict on `f`: pim, Cedar, the interpreter, the RVM.
    pub fn verdicts(&mut self, f: &activation::Form) -> [activation::Verdict; 4] {
        let input = || rego::activation_input(ACTIVATION_ROLE, f);
        [
            activation::PimForm::new(f).verdict(&self.pim),
            self.cedar.verdict(f),
            rego::verdict(&rego::interpret(
                &mut self.interpreter,
                rego::ACTIVATION_RULE,
                input(),
            )),
            rego::verdict(&rego::run(&mut self.vm, input())),
        ]
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules::new()
    }
}

/// Asserts that every engine gives the same verdict on the granted form, the refused one and
/// `random` random forms, and that the first two are what they are named. Returns how many
/// of all the forms were allowed.
pub fn cross_check_activation(rules: &mut Rules, random: usize) -> usize {
    let granted = rules.verdicts(&activation::granted_form());
    assert!(granted[0].allowed, "{:?}", granted[0]);
    let refused = rules.verdicts(&activation::refused_form());
    assert_eq!(
        refused[0].failed_rules,
        [
            "ExpirationRule",
            "JustificationRule",
            "MfaRule",
            "TicketingRule"
        ],
        "{:?}",
        refused[0]
    );
    let mut allowed = 0;
    for v in [granted, refused]
        .into_iter()
        .chain(activation::random_forms(random).iter().map(|f| {
            let v = rules.verdicts(f);
            assert!(
                v.iter().all(|x| *x == v[0]),
                "engines disagree on {f:?}: {v:#?}"
            );
            v
        }))
    {
        assert!(v.iter().all(|x| *x == v[0]), "engines disagree: {v:#?}");
        allowed += usize::from(v[0].allowed);
    }
    allowed
}
