//! The generator's inputs besides pim-core's source: which types the package exposes, how Rust's
//! standard and library types are written in JSON, and the JSON shape of the few pim-core types
//! whose serde impls are hand-written (and so have no attributes to read).

/// The wire types the package's API takes or returns; everything they reference is emitted too.
pub const ROOTS: &[&str] = &[
    "ActivationDecision",
    "ActivationInput",
    "AuditFilter",
    "AuditRecord",
    "CallContext",
    "Check",
    "Command",
    "Decision",
    "DecisionError",
    "DirectorySnapshot",
    "EligibilityWindow",
    "EligibleRole",
    "ErrorCode",
    "Event",
    "FailedRule",
    "Outcome",
    "PolicyEntry",
    "PolicyRule",
    "PolicyScopeType",
    "RequestRecord",
    "Schedule",
];

/// Roots of the `governance` feature.
pub const GOVERNANCE_ROOTS: &[&str] = &["Alert", "Review", "Notification"];

/// Roots of the `scenario` feature.
pub const SCENARIO_ROOTS: &[&str] = &["ScenarioReport"];

/// serde adapters (`#[serde(with = "...")]`) and the JSON they write.
pub const ADAPTERS: &[(&str, &str)] = &[
    ("crate::time::instant", "string"),
    ("crate::time::instant_opt", "string | null"),
];

/// A pim-core type with hand-written `Serialize`/`Deserialize` impls: its JSON shape, written
/// with the generated types it is made of, and those types' names.
pub struct Manual {
    pub name: &'static str,
    pub ts: &'static str,
    pub uses: &'static [&'static str],
}

/// Every hand-written serde impl in pim-core that a root reaches. The build fails if pim-core
/// gains another one without an entry here.
pub const MANUAL: &[Manual] = &[
    // `time::IsoDuration`: `PT8H`, `P30D`.
    Manual {
        name: "IsoDuration",
        ts: "string",
        uses: &[],
    },
    // `wire::SubjectSet`: written as `@odata.type` plus `userId` or `groupId`; read through the
    // private `SubjectFields`.
    Manual {
        name: "SubjectSet",
        ts: "{ \"@odata.type\"?: string } & SubjectFields",
        uses: &["SubjectFields"],
    },
    // `wire::PolicyRule`: `@odata.type`, `id` and `target`, plus the body of its rule type
    // (`body_to_json`/`body_from_json` over the private `*Fields` structs, and pim's own rules'
    // public ones). Fields left out on input keep the rule's default.
    Manual {
        name: "PolicyRule",
        ts: "{ \"@odata.type\"?: string; id: RuleId; target?: RuleTarget } & Partial<ExpirationFields & EnablementFields & ApprovalFields & AuthContextFields & NotificationFields & JustificationFields & RateLimitFields & SeparationOfDutiesFields & QuorumApprovalFields & BreakGlassFields & ActivationWindowFields>",
        uses: &[
            "RuleId",
            "RuleTarget",
            "ExpirationFields",
            "EnablementFields",
            "ApprovalFields",
            "AuthContextFields",
            "NotificationFields",
            "JustificationFields",
            "RateLimitFields",
            "SeparationOfDutiesFields",
            "QuorumApprovalFields",
            "BreakGlassFields",
            "ActivationWindowFields",
        ],
    },
];

/// `serde_json::Value`: any JSON.
pub const JSON_VALUE: &str = "export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };";

/// Standard and library types by the last segment of their path: the JSON serde writes for
/// them. `None` means "generic container", handled by the emitter.
pub fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "String" | "str" | "char" | "DateTime" => "string",
        "bool" => "boolean",
        "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32"
        | "f64" => "number",
        "Value" => "JsonValue",
        "Map" => "{ [key: string]: JsonValue }",
        _ => return None,
    })
}
