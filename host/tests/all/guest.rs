//! The guest module: its ABI surface, the lean check, and the limits every call runs under.

use pim_core::{CallContext, Command};
use pim_host::{CheckCode, GuestError, Limits, MemoryStore, Service, ServiceError};

use crate::common::{EXCHANGE_ADMIN, at, big_directory, guest, guest_with, tenant_json};

#[test]
fn the_guest_has_zero_imports_and_the_documented_exports() {
    let g = guest();
    assert_eq!(g.imports(), Vec::<String>::new(), "docs/abi.md: no imports");
    let exports = g.exports();
    for name in [
        "memory",
        "pim_abi_version",
        "pim_alloc",
        "pim_free",
        "pim_call",
        "pim_check",
        "pim_check_ms",
    ] {
        assert!(exports.iter().any(|e| e == name), "missing export `{name}`");
    }
    let v = g
        .instantiate()
        .expect("instantiates")
        .version()
        .expect("answers");
    assert_eq!(v.abi, pim_host::guest::ABI_VERSION);
}

/// A service holding `tenant_json(users)`.
fn service_with(users: usize, limits: Option<Limits>) -> Service<MemoryStore> {
    let g = limits.map_or_else(guest, guest_with);
    let mut s = Service::open(g, MemoryStore::new()).expect("opens");
    let directory = serde_json::from_str(&tenant_json(users)).expect("a snapshot");
    let d = s
        .submit(
            &Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            at("2026-03-02T09:00:00Z"),
        )
        .expect("imports");
    assert!(d.error.is_none(), "{d:?}");
    s
}

#[test]
fn the_lean_check_agrees_with_the_json_query() {
    let mut s = service_with(3, None);
    let now = at("2026-03-02T10:00:00Z");
    assert_eq!(
        s.check("u1", EXCHANGE_ADMIN, "/", now).expect("answers"),
        CheckCode::ActivePermanently
    );
    assert_eq!(
        s.check("user1", EXCHANGE_ADMIN, "/", now).expect("answers"),
        CheckCode::Inactive
    );
    assert_eq!(
        s.check("nobody", EXCHANGE_ADMIN, "", now).expect("answers"),
        CheckCode::Inactive
    );
    let q: pim_core::Query = serde_json::from_value(serde_json::json!({
        "query": "check", "principalId": "u1", "roleDefinitionId": EXCHANGE_ADMIN
    }))
    .expect("a query");
    match s.query(&q, now).expect("answers") {
        pim_core::QueryResult::Check(c) => assert!(c.active),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn malformed_calls_are_errors_and_the_instance_keeps_serving() {
    let mut i = guest().instantiate().expect("instantiates");
    for bad in [&b"{"[..], b"", b"\xff\xfe", br#"{"op":"execute"}"#] {
        let out = i.call_raw(bad).expect("an answer, not a trap");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(v["err"]["code"], "InvalidRequest", "{v}");
    }
    assert!(i.version().is_ok());
}

#[test]
fn an_oversized_input_is_refused_before_the_guest_sees_it() {
    let limits = Limits {
        max_input_bytes: 1 << 20,
        ..Limits::default()
    };
    let mut s = service_with(2, Some(limits));
    let huge = vec![b' '; 2 << 20];
    let e = s.instance_mut().call_raw(&huge).expect_err("too large");
    assert!(matches!(e, GuestError::TooLarge { .. }), "{e}");
    let now = at("2026-03-02T10:00:00Z");
    assert!(
        s.check("u0", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
}

#[test]
fn an_endless_call_runs_out_of_fuel_and_the_instance_is_rebuilt_from_storage() {
    let limits = Limits {
        fuel_per_call: 200_000_000,
        fuel_per_input_byte: 0,
        ..Limits::default()
    };
    let mut s = service_with(2, Some(limits));
    // 20,000 users in one import: far more work than the fuel allows.
    let directory = big_directory(20_000);
    let e = s
        .submit(
            &Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            at("2026-03-02T09:30:00Z"),
        )
        .expect_err("runs out of fuel");
    assert!(
        matches!(&e, ServiceError::Guest(GuestError::Trap(m)) if m.contains("fuel")),
        "{e}"
    );
    assert_eq!(s.rebuilds(), 1);
    let now = at("2026-03-02T10:00:00Z");
    assert!(
        s.check("u1", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
    assert!(
        !s.check("big19999", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
}

#[test]
fn a_call_that_would_bloat_memory_traps_and_the_instance_is_rebuilt() {
    let limits = Limits {
        memory_bytes: 24 << 20,
        ..Limits::default()
    };
    let mut s = service_with(2, Some(limits));
    let directory = big_directory(60_000);
    let e = s
        .submit(
            &Command::ImportDirectory {
                directory: Box::new(directory),
            },
            &CallContext::system(),
            at("2026-03-02T09:30:00Z"),
        )
        .expect_err("hits the memory cap");
    assert!(
        matches!(&e, ServiceError::Guest(GuestError::Trap(_))),
        "{e}"
    );
    let now = at("2026-03-02T10:00:00Z");
    assert!(
        s.check("u1", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
}

#[test]
fn a_memory_snapshot_restores_an_identical_instance() {
    let mut s = service_with(50, None);
    s.snapshot().expect("snapshots");
    s.reload().expect("reloads from the snapshot");
    assert_eq!(s.head(), s.instance_mut().state().expect("answers").events);
    let now = at("2026-03-02T10:00:00Z");
    assert!(
        s.check("u49", EXCHANGE_ADMIN, "/", now)
            .expect("serves")
            .is_active()
    );
}

/// Drives the exports exactly as docs/abi.md describes them, with nothing but wasmtime: what a
/// Go or Envoy host would do.
#[test]
fn the_documented_abi_works_by_hand() {
    use wasmtime::{Engine, Instance, Module, Store, TypedFunc};
    /// `pim_check(p_ptr, p_len, r_ptr, r_len, s_ptr, s_len, now) -> i64`.
    type CheckFn = TypedFunc<(u32, u32, u32, u32, u32, u32, i64), i64>;
    let bytes = std::fs::read(pim_host::Guest::locate(None)).expect("the guest is built");
    let engine = Engine::default();
    let module = Module::new(&engine, &bytes).expect("compiles");
    let mut store = Store::new(&engine, ());
    let instance = Instance::new(&mut store, &module, &[]).expect("instantiates with no imports");
    let memory = instance
        .get_memory(&mut store, "memory")
        .expect("exports memory");
    let version: TypedFunc<(), u32> = instance
        .get_typed_func(&mut store, "pim_abi_version")
        .expect("exported");
    let alloc: TypedFunc<u32, u32> = instance
        .get_typed_func(&mut store, "pim_alloc")
        .expect("exported");
    let free: TypedFunc<(u32, u32), ()> = instance
        .get_typed_func(&mut store, "pim_free")
        .expect("exported");
    let call: TypedFunc<(u32, u32), u64> = instance
        .get_typed_func(&mut store, "pim_call")
        .expect("exported");
    let check: CheckFn = instance
        .get_typed_func(&mut store, "pim_check")
        .expect("exported");
    assert_eq!(version.call(&mut store, ()).expect("runs"), 1);

    let mut roundtrip = |input: &[u8]| -> serde_json::Value {
        let len = input.len() as u32;
        let p = alloc.call(&mut store, len).expect("allocates");
        memory.write(&mut store, p as usize, input).expect("writes");
        let packed = call.call(&mut store, (p, len)).expect("runs");
        free.call(&mut store, (p, len)).expect("frees the input");
        let (out_ptr, out_len) = ((packed >> 32) as u32, packed as u32);
        let mut out = vec![0; out_len as usize];
        memory
            .read(&store, out_ptr as usize, &mut out)
            .expect("reads");
        free.call(&mut store, (out_ptr, out_len))
            .expect("frees the output");
        serde_json::from_slice(&out).expect("JSON")
    };
    assert_eq!(roundtrip(br#"{"op":"version"}"#)["ok"]["abi"], 1);
    assert_eq!(
        roundtrip(br#"{"op":"nope"}"#)["err"]["code"],
        "InvalidRequest"
    );
    let outcome = roundtrip(
        serde_json::json!({ "op": "execute", "now": "2026-03-02T09:00:00Z",
            "command": { "op": "importDirectory", "directory": serde_json::from_str::<serde_json::Value>(&tenant_json(1)).expect("JSON") } })
        .to_string()
        .as_bytes(),
    );
    let events = outcome["ok"]["events"].clone();
    let applied = roundtrip(
        serde_json::json!({ "op": "apply", "events": events })
            .to_string()
            .as_bytes(),
    );
    assert!(
        applied["ok"]["events"].as_u64().is_some_and(|n| n > 0),
        "{applied}"
    );

    // pim_check: one buffer holding principal, role and scope.
    let text = format!("u0{EXCHANGE_ADMIN}/");
    let p = alloc
        .call(&mut store, text.len() as u32)
        .expect("allocates");
    memory
        .write(&mut store, p as usize, text.as_bytes())
        .expect("writes");
    let r = EXCHANGE_ADMIN.len() as u32;
    let now = at("2026-03-02T10:00:00Z").timestamp();
    let answer = check
        .call(&mut store, (p, 2, p + 2, r, p + 2 + r, 1, now))
        .expect("runs");
    assert_eq!(answer, i64::MAX, "active with no end");
    let answer = check
        .call(&mut store, (p, 1, p + 2, r, p + 2 + r, 1, now))
        .expect("runs");
    assert_eq!(answer, 0, "`u` is nobody");
    let check_ms: CheckFn = instance
        .get_typed_func(&mut store, "pim_check_ms")
        .expect("exported");
    let now_ms = at("2026-03-02T10:00:00Z").timestamp_millis();
    let answer = check_ms
        .call(&mut store, (p, 2, p + 2, r, p + 2 + r, 1, now_ms))
        .expect("runs");
    assert_eq!(
        answer,
        i64::MAX,
        "active with no end, asked in milliseconds"
    );
    let answer = check_ms
        .call(&mut store, (p, 2, p + 2, r, p + 2 + r, 1, i64::MAX))
        .expect("runs");
    assert_eq!(answer, -1, "a `now` past the year 8999 is refused");
    free.call(&mut store, (p, text.len() as u32))
        .expect("frees");
}

/// A service over the same log as `full`, keeping only `check`'s state.
fn check_only_twin(full: &mut Service<MemoryStore>) -> Service<MemoryStore> {
    use pim_host::Store;
    let mut log = MemoryStore::new();
    let events = full.store_mut().events_after(0).expect("reads");
    log.append(0, &events).expect("copies the log");
    Service::open_with(full.guest().clone(), log, pim_core::Projections::CHECK_ONLY).expect("opens")
}

#[test]
fn a_check_only_guest_answers_check_alike_and_keeps_no_audit_or_mail() {
    let mut full = service_with(3, None);
    let mut lean = check_only_twin(&mut full);
    let now = at("2026-03-02T10:00:00Z");
    for (p, role) in [
        ("u1", EXCHANGE_ADMIN),
        ("user1", EXCHANGE_ADMIN),
        ("aymen", pim_core::GLOBAL_ADMINISTRATOR),
        ("nobody", EXCHANGE_ADMIN),
    ] {
        assert_eq!(
            lean.check(p, role, "/", now).expect("answers"),
            full.check(p, role, "/", now).expect("answers"),
            "{p}"
        );
    }
    let audit = pim_core::Query::Audit(pim_core::AuditFilter::default());
    let records = |s: &mut Service<MemoryStore>| match s.query(&audit, now).expect("answers") {
        pim_core::QueryResult::Audit(a) => a.len(),
        other => panic!("audit answered {other:?}"),
    };
    assert!(records(&mut full) > 0, "the full guest audits the import");
    assert_eq!(
        records(&mut lean),
        0,
        "the check-only guest keeps no audit records"
    );
    // A reload (the path after a trap) keeps the choice.
    lean.reload().expect("reloads");
    assert_eq!(records(&mut lean), 0);
    assert_eq!(
        lean.check("u1", EXCHANGE_ADMIN, "/", now).expect("answers"),
        CheckCode::ActivePermanently
    );
}
