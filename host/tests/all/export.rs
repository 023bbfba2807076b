//! `pim-host audit export --format csv`: the CLI writes pim-core's formula-safe CSV.

use std::process::Command as Process;

use pim_core::{CallContext, Command, Engine, Event};
use pim_host::{SqliteStore, Store};

use crate::common::{EXCHANGE_ADMIN, at, tenant_json};

/// Justifications a spreadsheet would run as formulas, and how each must come out.
const FORMULAS: [(&str, &str); 6] = [
    (
        "=HYPERLINK(\"http://evil.example\",\"open\")",
        "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"open\"\")\"",
    ),
    ("+1", "\"'+1\""),
    ("-1", "\"'-1\""),
    ("@x", "\"'@x\""),
    ("\tx", "\"'\tx\""),
    ("\rx", "\"'\rx\""),
];

/// A log: the small tenant, then one eligibility request per justification above.
fn log() -> Vec<Event> {
    let mut engine = Engine::new();
    let mut log = Vec::new();
    let mut run = |engine: &mut Engine, command: Command, ctx: CallContext| {
        let outcome = engine
            .execute(&command, &ctx, at("2026-03-02T09:00:00Z"))
            .expect("decides");
        assert!(outcome.decision.error.is_none(), "{:?}", outcome.decision);
        for e in &outcome.events {
            engine.apply(e).expect("applies");
        }
        log.extend(outcome.events);
    };
    let directory = serde_json::from_str(&tenant_json(0)).expect("a snapshot");
    run(
        &mut engine,
        Command::ImportDirectory {
            directory: Box::new(directory),
        },
        CallContext::system(),
    );
    for (i, (justification, _)) in FORMULAS.iter().enumerate() {
        let command = serde_json::from_value(serde_json::json!({
            "op": "request", "kind": "eligibility", "body": {
                "action": "adminAssign", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN,
                "directoryScopeId": format!("/administrativeUnits/au{i}"),
                "justification": justification,
                "scheduleInfo": { "expiration": { "type": "noExpiration" } }
            }
        }))
        .expect("a command");
        run(&mut engine, command, CallContext::user("aymen"));
    }
    log
}

#[test]
fn the_cli_csv_export_neutralises_formulas_in_justifications() {
    let dir = std::env::temp_dir().join(format!("pim-host-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let db = dir.join("pim.db");
    let events = log();
    SqliteStore::open(&db)
        .expect("opens")
        .append(0, &events)
        .expect("appends");
    let out = Process::new(env!("CARGO_BIN_EXE_pim-host"))
        .args(["audit", "export", "--format", "csv", "--db"])
        .arg(&db)
        .env("PIM_LOG", "warn")
        .output()
        .expect("pim-host runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(csv.starts_with(pim_core::audit::CSV_HEADER), "{csv}");
    for (justification, field) in FORMULAS {
        assert!(
            csv.contains(&format!(",{field},")),
            "{justification:?} not neutralised in:\n{csv}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
