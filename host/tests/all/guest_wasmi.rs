//! `pim_guest.wasm` in a second runtime, wasmi (an interpreter, for hosts that cannot compile
//! machine code), driven from docs/abi.md alone: it loads a tenant's event log through
//! `pim_call` and answers every `pim_check` as the native engine does.

use pim_core::{CallContext, Command, Engine, Event};
use serde_json::json;
use wasmi::{Instance, Linker, Memory, Module, Store, TypedFunc};

use crate::common::{EXCHANGE_ADMIN, at};

/// `pim_check(p_ptr, p_len, r_ptr, r_len, s_ptr, s_len, now) -> answer`.
type CheckFn = TypedFunc<(i32, i32, i32, i32, i32, i32, i64), i64>;

/// The guest's exports, as the ABI names them.
struct Guest {
    store: Store<()>,
    memory: Memory,
    alloc: TypedFunc<i32, i32>,
    free: TypedFunc<(i32, i32), ()>,
    call: TypedFunc<(i32, i32), i64>,
    check: CheckFn,
}

impl Guest {
    fn load() -> Guest {
        let path = pim_host::Guest::locate(None);
        let bytes = std::fs::read(&path).expect("pim_guest.wasm: run scripts/build-guest.sh");
        let engine = wasmi::Engine::default();
        let module = Module::new(&engine, &bytes[..]).expect("the module validates");
        let mut store = Store::new(&engine, ());
        let instance: Instance = Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instantiates with no imports");
        let version: TypedFunc<(), i32> = instance
            .get_typed_func(&store, "pim_abi_version")
            .expect("pim_abi_version");
        assert_eq!(version.call(&mut store, ()).expect("answers"), 1);
        let f = |name| instance.get_export(&store, name).expect(name);
        let (alloc, free, call, check) = (
            f("pim_alloc").into_func().expect("a function"),
            f("pim_free").into_func().expect("a function"),
            f("pim_call").into_func().expect("a function"),
            f("pim_check").into_func().expect("a function"),
        );
        Guest {
            memory: instance.get_memory(&store, "memory").expect("memory"),
            alloc: alloc.typed(&store).expect("pim_alloc's signature"),
            free: free.typed(&store).expect("pim_free's signature"),
            call: call.typed(&store).expect("pim_call's signature"),
            check: check.typed(&store).expect("pim_check's signature"),
            store,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> (i32, i32) {
        let len = i32::try_from(bytes.len()).expect("a small input");
        let ptr = self.alloc.call(&mut self.store, len).expect("allocates");
        let at = usize::try_from(ptr).expect("a pointer");
        self.memory
            .write(&mut self.store, at, bytes)
            .expect("writes");
        (ptr, len)
    }

    /// One envelope in, the `ok` value out.
    fn call(&mut self, envelope: &serde_json::Value) -> serde_json::Value {
        let (ptr, len) = self.write(envelope.to_string().as_bytes());
        let packed = self
            .call
            .call(&mut self.store, (ptr, len))
            .expect("no trap");
        self.free.call(&mut self.store, (ptr, len)).expect("frees");
        let packed = packed.cast_unsigned();
        let (out_ptr, out_len) = ((packed >> 32) as u32, packed as u32);
        let mut out = vec![0; out_len as usize];
        self.memory
            .read(&self.store, out_ptr as usize, &mut out)
            .expect("reads");
        self.free
            .call(
                &mut self.store,
                (out_ptr.cast_signed(), out_len.cast_signed()),
            )
            .expect("frees");
        let answer: serde_json::Value = serde_json::from_slice(&out).expect("JSON out");
        answer
            .get("ok")
            .cloned()
            .unwrap_or_else(|| panic!("{answer}"))
    }

    fn check(&mut self, principal: &str, role: &str, scope: &str, now: i64) -> i64 {
        let joined = format!("{principal}{role}{scope}");
        let (ptr, len) = self.write(joined.as_bytes());
        let (p, r) = (principal.len() as i32, role.len() as i32);
        let args = (ptr, p, ptr + p, r, ptr + p + r, len - p - r, now);
        let answer = self.check.call(&mut self.store, args).expect("no trap");
        self.free.call(&mut self.store, (ptr, len)).expect("frees");
        answer
    }
}

/// A tenant with direct and group grants (a role-assignable group inside an ordinary one, which
/// gives nothing: role-assignable groups do not nest) and two activations, natively: the
/// engine and the events it committed.
fn native_tenant() -> (Engine, Vec<Event>) {
    let directory = serde_json::from_value(json!({
        "users": [{"id": "aymen"}, {"id": "user1"}, {"id": "user2"}, {"id": "user3"}],
        "groups": [{"id": "exo", "members": ["user2"], "isRoleAssignable": true},
                   {"id": "tier2", "members": ["user3", "exo"]}],
        "assignments": [
            {"type": "active", "principalId": "aymen", "roleDefinitionId": pim_core::GLOBAL_ADMINISTRATOR},
            {"type": "eligible", "principalId": "user1", "roleDefinitionId": EXCHANGE_ADMIN},
            {"type": "eligible", "principalId": "exo", "roleDefinitionId": EXCHANGE_ADMIN},
            {"type": "active", "principalId": "user3", "roleDefinitionId": EXCHANGE_ADMIN,
             "directoryScopeId": "/administrativeUnits/au1"}
        ]
    }))
    .expect("a directory");
    let mut engine = Engine::new();
    let mut log = Vec::new();
    let mut commit = |engine: &mut Engine, command: &Command, ctx: &CallContext, now: &str| {
        let outcome = engine.execute(command, ctx, at(now)).expect("decides");
        assert!(outcome.decision.error.is_none(), "{:?}", outcome.decision);
        for e in &outcome.events {
            engine.apply(e).expect("applies");
        }
        log.extend(outcome.events);
    };
    let import = Command::ImportDirectory {
        directory: Box::new(directory),
    };
    commit(
        &mut engine,
        &import,
        &CallContext::system(),
        "2026-03-02T09:00:00Z",
    );
    for (who, duration) in [("user1", "PT1H"), ("user2", "PT3H")] {
        let activate: Command = serde_json::from_value(json!({
            "op": "request", "kind": "assignment", "body": {
                "action": "selfActivate", "principalId": who, "roleDefinitionId": EXCHANGE_ADMIN,
                "directoryScopeId": "/", "justification": "mail flow",
                "scheduleInfo": {"expiration": {"type": "afterDuration", "duration": duration}}}
        }))
        .expect("a command");
        let ctx = CallContext::user(who).with_mfa();
        commit(&mut engine, &activate, &ctx, "2026-03-02T10:00:00Z");
    }
    (engine, log)
}

#[test]
fn wasmi_runs_the_guest_and_every_check_agrees_with_the_native_engine() {
    let (native, log) = native_tenant();
    let mut guest = Guest::load();
    let loaded = guest.call(&json!({ "op": "load", "events": log }));
    assert_eq!(loaded["events"], log.len(), "{loaded}");
    let principals = ["aymen", "user1", "user2", "user3", "exo", "tier2", "nobody"];
    let roles = [EXCHANGE_ADMIN, pim_core::GLOBAL_ADMINISTRATOR];
    let scopes = ["/", "/administrativeUnits/au1"];
    let instants = ["10:30:00", "10:59:59", "11:00:00", "12:59:59", "13:00:00"];
    let (mut active, mut inactive) = (0, 0);
    for time in instants {
        let now = at(&format!("2026-03-02T{time}Z"));
        for p in principals {
            for r in roles {
                for s in scopes {
                    let want = native.check(p, r, s, now);
                    let expected = match (want.active, want.end_date_time) {
                        (false, _) => 0,
                        (true, None) => i64::MAX,
                        (true, Some(end)) => end.timestamp(),
                    };
                    let got = guest.check(p, r, s, now.timestamp());
                    assert_eq!(got, expected, "{p} {r} {s} at {time}");
                    if want.active {
                        active += 1
                    } else {
                        inactive += 1
                    }
                }
            }
        }
    }
    // The questions are not all one answer.
    assert!(
        active > 10 && inactive > 10,
        "{active} active, {inactive} inactive"
    );
}
