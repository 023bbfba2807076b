//! Just-in-time activation with pim-core: a user eligible for a role activates it for an hour,
//! holds it, and loses it when the hour is over. Run it with
//! `cargo run -p pim-core --example activate`.

use pim_core::time::{format_instant, parse_instant};
use pim_core::wire::{DirectorySnapshot, RequestKind};
use pim_core::{CallContext, Command, Engine, Event, Instant};

/// Entra's built-in Exchange Administrator role.
const EXCHANGE_ADMINISTRATOR: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    // The engine has no clock: every call takes the time as an argument.
    let now = parse_instant("2026-03-02T09:00:00Z")?;
    let mut engine = Engine::new();

    // 1. A tenant: one user, Adele, eligible for Exchange Administrator at the tenant scope.
    //    Loading a directory is a command like any other; the host runs it as itself.
    let directory: DirectorySnapshot = serde_json::from_str(
        r#"{
            "users": [{ "id": "adele" }],
            "assignments": [{ "type": "eligible", "principalId": "adele",
                              "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de" }]
        }"#,
    )?;
    let import = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    let loaded = engine.execute(&import, &CallContext::system(), now)?;
    apply(&mut engine, &loaded.events)?;

    // 2. Eligible is not active: the gateway's question says no.
    show_check(&engine, "before activating", now);

    // 3. Adele activates for one hour. The role's settings are Entra's defaults, which ask for
    //    MFA and a justification: her session satisfied MFA, and she says why.
    let body = serde_json::from_str(
        r#"{
            "action": "selfActivate", "principalId": "adele",
            "roleDefinitionId": "29232cdf-9323-42fd-ade2-1d097af3e4de", "directoryScopeId": "/",
            "justification": "mail flow incident",
            "scheduleInfo": { "expiration": { "type": "afterDuration", "duration": "PT1H" } }
        }"#,
    )?;
    let activate = Command::Request {
        kind: RequestKind::Assignment,
        body: Box::new(body),
    };
    let outcome = engine.execute(&activate, &CallContext::user("adele").with_mfa(), now)?;

    // 4. The decision: a status and the window granted, or a refusal with every reason in it.
    //    Deciding changes nothing yet; the outcome lists the events that record it.
    let decision = &outcome.decision;
    if let Some(refusal) = &decision.error {
        return Err(format!("the activation was refused: {refusal:?}").into());
    }
    println!(
        "decision: {} from {} to {}",
        decision.status.map_or("none", |s| s.as_str()),
        decision
            .start_date_time
            .map_or("-".into(), |t| format_instant(&t)),
        decision
            .end_date_time
            .map_or("-".into(), |t| format_instant(&t)),
    );

    // 5. The host persists the events, then applies them; now the role is active.
    apply(&mut engine, &outcome.events)?;
    show_check(&engine, "after activating", now);

    // 6. Time passes. `check` compares windows with the time it is given, so past the end the
    //    role is no longer held; `tick` turns what time alone causes (here the expiry) into
    //    events, so the log and the audit trail record it too.
    let later = now + chrono::TimeDelta::minutes(61);
    let expired = engine.tick(later);
    apply(&mut engine, &expired)?;
    show_check(&engine, "an hour later", later);
    Ok(())
}

/// Applies events in order, naming each (a real host would persist them first).
fn apply(engine: &mut Engine, events: &[Event]) -> Result<(), Error> {
    for event in events {
        let json = serde_json::to_value(event)?;
        println!("  event: {}", json["type"].as_str().unwrap_or("?"));
        engine.apply(event)?;
    }
    Ok(())
}

/// Asks whether Adele holds Exchange Administrator at the tenant scope at `at`.
fn show_check(engine: &Engine, when: &str, at: Instant) {
    let check = engine.check("adele", EXCHANGE_ADMINISTRATOR, "/", at);
    match check.end_date_time {
        Some(end) if check.active => {
            println!("{when}: active until {}", format_instant(&end));
        }
        _ => println!("{when}: active = {}", check.active),
    }
}
