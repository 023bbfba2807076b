//! The stored event log is a contract. The logs under `tests/golden/v1/` were written by pim's
//! first log format (every event kind at least once); each must replay, forever, to the state,
//! audit records and notifications recorded beside it (`*.expected.json`, written by the same
//! code that wrote the log). A change to an event's shape must keep these logs loading: see
//! docs/event-log.md for how a format change is made.
//!
//! `write_golden_logs` (ignored) is how the files were made: it runs a covering set of scenario
//! files and writes their logs, and it refuses to overwrite a golden file that exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pim_core::scenario::{MemoryBackend, ScenarioFile, run};
use pim_core::{Engine, Event, Query, QueryResult};
use serde_json::{Value, json};

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/v1")
}

fn kind(e: &Event) -> String {
    serde_json::to_value(e).expect("an event serializes")["type"]
        .as_str()
        .expect("an event has a type")
        .to_owned()
}

/// Everything the log leads to, through the public queries: schedules and requests of every
/// principal and request the log names, reviews, alerts, audit records and notifications, at
/// the log's last instant.
fn digest(engine: &Engine, log: &[Event]) -> Value {
    let now = engine.clock().expect("a golden log is not empty");
    let (mut principals, mut requests) = (BTreeSet::new(), BTreeSet::new());
    for e in log {
        let v = serde_json::to_value(e).expect("an event serializes");
        collect_ids(&v, &mut principals, &mut requests);
    }
    let schedules: Vec<Value> = principals
        .iter()
        .map(|p| {
            let q = Query::Schedules {
                principal_id: p.as_str().into(),
            };
            match engine.query(&q, now).expect("the schedules query answers") {
                QueryResult::Schedules(s) => json!({ "principal": p, "schedules": s }),
                other => panic!("schedules answered {other:?}"),
            }
        })
        .collect();
    let requests: Vec<Value> = requests
        .iter()
        .filter_map(|id| engine.request(id, now))
        .map(|r| serde_json::to_value(r).expect("a request serializes"))
        .collect();
    json!({
        "clock": pim_core::time::format_instant(&now),
        "schedules": schedules,
        "requests": requests,
        "reviews": engine.reviews_at(now),
        "alerts": engine.alerts(now),
        "audit": engine.audit_log(),
        "notifications": engine.outbox(),
    })
}

fn collect_ids(v: &Value, principals: &mut BTreeSet<String>, requests: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                match (k.as_str(), x.as_str()) {
                    ("principalId" | "id", Some(s)) if k == "principalId" => {
                        principals.insert(s.to_owned());
                    }
                    ("requestId", Some(s)) => {
                        requests.insert(s.to_owned());
                    }
                    _ => collect_ids(x, principals, requests),
                }
            }
            if let (Some(Value::String(id)), Some(Value::String(_))) =
                (map.get("id"), map.get("kind"))
                && map.contains_key("action")
            {
                requests.insert(id.clone());
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|x| collect_ids(x, principals, requests)),
        _ => {}
    }
}

fn read_log(path: &Path) -> Vec<Event> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
        .lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

fn golden_logs() -> Vec<PathBuf> {
    let mut logs: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("tests/golden/v1 exists")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    logs.sort();
    logs
}

/// Alert definitions added since a log was written (pim's own) are not in its digest: each
/// must be quiet on the old log (no incident, not active), and is then left out of the
/// comparison.
fn keep_known_alerts(actual: &mut Value, expected: &Value, path: &Path) {
    let id = |a: &Value| a["alertDefinitionId"].clone();
    let known: Vec<Value> = expected["alerts"]
        .as_array()
        .map(|list| list.iter().map(id).collect())
        .unwrap_or_default();
    let Some(list) = actual["alerts"].as_array_mut() else {
        return;
    };
    for added in list.iter().filter(|a| !known.contains(&id(a))) {
        assert_eq!(
            (&added["isActive"], &added["incidentCount"]),
            (&json!(false), &json!(0)),
            "{}: the new alert {} fires on an old log",
            path.display(),
            id(added)
        );
    }
    list.retain(|a| known.contains(&id(a)));
}

#[test]
fn golden_logs_replay_to_the_same_state_audit_and_notifications() {
    let logs = golden_logs();
    assert!(!logs.is_empty(), "no golden logs");
    for path in &logs {
        let log = read_log(path);
        let engine = Engine::replay(&log)
            .unwrap_or_else(|e| panic!("{} no longer replays: {e}", path.display()));
        let expected_path = path.with_extension("expected.json");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&expected_path).expect("the expected digest exists"),
        )
        .expect("the expected digest is JSON");
        let mut actual = digest(&engine, &log);
        keep_known_alerts(&mut actual, &expected, path);
        for part in expected.as_object().expect("a digest is an object").keys() {
            assert_eq!(
                actual[part],
                expected[part],
                "{}: `{part}` differs from what the log led to when it was written",
                path.display()
            );
        }
    }
}

#[test]
fn golden_logs_hold_every_event_kind() {
    let seen: BTreeSet<String> = golden_logs()
        .iter()
        .flat_map(|p| read_log(p))
        .map(|e| kind(&e))
        .collect();
    let missing: Vec<&&str> = Event::KINDS
        .iter()
        .filter(|k| !seen.contains(**k))
        .collect();
    assert!(missing.is_empty(), "no golden log holds {missing:?}");
}

#[test]
fn golden_logs_read_back_to_the_same_text() {
    for path in golden_logs() {
        let text = std::fs::read_to_string(&path).expect("readable");
        for (i, line) in text.lines().enumerate() {
            let event: Event = serde_json::from_str(line).expect("parses");
            let again = serde_json::to_string(&event).expect("serializes");
            assert_eq!(
                again,
                line,
                "{}:{}: the event's wire form changed",
                path.display(),
                i + 1
            );
        }
    }
}

/// Writes the golden logs: the fewest scenario files (greedily) whose logs hold every event
/// kind, each log as JSON Lines with its digest beside it. Never overwrites: the kinds of the
/// logs already written count as covered, so a new event kind (a backwards-compatible change)
/// gets one new log, the one that holds the most events of the kinds not yet covered.
#[test]
#[ignore = "writes tests/golden/v1; run once per log format version"]
fn write_golden_logs() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/scenarios");
    let mut runs = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).expect("readable");
        let file = ScenarioFile::from_json(&text).expect("a scenario file parses");
        let mut backend = MemoryBackend::default();
        run(&file, &mut backend);
        let kinds: BTreeSet<String> = backend.log.iter().map(kind).collect();
        runs.push((path, backend, kinds));
    }
    let out = golden_dir();
    std::fs::create_dir_all(&out).expect("creates tests/golden/v1");
    let mut covered: BTreeSet<String> = golden_logs()
        .iter()
        .flat_map(|p| read_log(p))
        .map(|e| kind(&e))
        .collect();
    runs.retain(|(path, _, _)| {
        let stem = path.file_stem().expect("a name").to_string_lossy();
        !out.join(format!("{stem}.jsonl")).exists()
    });
    while covered.len() < Event::KINDS.len() {
        let showing = |log: &[Event], covered: &BTreeSet<String>| {
            log.iter().filter(|e| !covered.contains(&kind(e))).count()
        };
        let best = runs
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, b, k))| {
                (k.difference(&covered).count(), showing(&b.log, &covered))
            })
            .map(|(i, _)| i)
            .expect("scenarios exist");
        let (path, backend, kinds) = runs.swap_remove(best);
        assert!(
            kinds.difference(&covered).count() > 0,
            "no scenario holds {:?}",
            Event::KINDS
                .iter()
                .filter(|k| !covered.contains(**k))
                .collect::<Vec<_>>()
        );
        covered.extend(kinds);
        let stem = path
            .file_stem()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        let log_path = out.join(format!("{stem}.jsonl"));
        assert!(
            !log_path.exists(),
            "{} exists: never rewrite a golden log",
            log_path.display()
        );
        let lines: Vec<String> = backend
            .log
            .iter()
            .map(|e| serde_json::to_string(e).expect("serializes"))
            .collect();
        std::fs::write(&log_path, lines.join("\n") + "\n").expect("writes the log");
        let engine = Engine::replay(&backend.log).expect("replays");
        let digest = serde_json::to_string_pretty(&digest(&engine, &backend.log)).expect("json");
        std::fs::write(log_path.with_extension("expected.json"), digest + "\n")
            .expect("writes the digest");
    }
}
