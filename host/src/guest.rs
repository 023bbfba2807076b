//! `Guest`: pim_guest.wasm compiled once, and `GuestInstance`: one instance with its own state,
//! called under a fuel budget and a memory cap, so no input can hang or bloat the host.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use std::borrow::Cow;

use pim_core::abi::{Call, Reply, codes, exports, unpack_result};
use pim_core::time::Instant;
use pim_core::{CallContext, Command, Event, Outcome, Projections, Query, QueryResult};
use serde::de::DeserializeOwned;
use wasmtime::{Config, Engine, Instance, Linker, Memory, Module, StoreLimits, StoreLimitsBuilder};
use wasmtime::{Store as WasmStore, TypedFunc};

mod cache;

/// The ABI version this host speaks (docs/abi.md, "Versioning"). It and the rest of the
/// contract with the guest are defined once, in `pim_core::abi`, for both sides.
pub use pim_core::abi::ABI_VERSION;
pub use pim_core::abi::CheckCode;

/// What `state`, `apply` and `load` report.
pub type GuestSummary = pim_core::abi::Summary;

/// What `version` reports.
pub type GuestVersion = pim_core::abi::Version;

/// Where `scripts/build-guest.sh` writes the guest, relative to the workspace root.
pub const GUEST_RELATIVE_PATH: &str = "target/wasm32-unknown-unknown/wasm-release/pim_guest.wasm";

/// Why a call into the guest failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuestError {
    /// The guest refused the call (`{"err":…}`): malformed input, or an event that does not fit.
    #[error("{code}: {message}")]
    Refused {
        /// The error code (`InvalidRequest`, `ApplyError`, …).
        code: String,
        /// What is wrong.
        message: String,
    },
    /// The input is larger than the host accepts; nothing was called.
    #[error("input of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The input's size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The guest trapped (fuel exhausted, memory cap reached, a bug); the instance is unusable
    /// and must be rebuilt.
    #[error("the guest trapped: {0}")]
    Trap(String),
    /// The module could not be loaded or instantiated.
    #[error("cannot load the guest: {0}")]
    Load(String),
    /// The guest answered something that is not the ABI's envelope.
    #[error("the guest broke the ABI: {0}")]
    Abi(String),
}

impl GuestError {
    /// Whether the instance must be rebuilt before the next call.
    pub fn poisons(&self) -> bool {
        matches!(self, GuestError::Trap(_) | GuestError::Abi(_))
    }
}

/// Per-call limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (roughly, wasm instructions) every call gets, whatever its size.
    pub fuel_per_call: u64,
    /// Extra fuel per input byte (parsing, applying).
    pub fuel_per_input_byte: u64,
    /// The most linear memory the instance may grow to, in bytes.
    pub memory_bytes: usize,
    /// The largest input accepted by `pim_call`, in bytes.
    pub max_input_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel_per_call: 2_000_000_000,
            fuel_per_input_byte: 20_000,
            memory_bytes: 2 << 30,
            max_input_bytes: 64 << 20,
        }
    }
}

/// The guest module, compiled once; cheap to share between workers (`Arc`).
pub struct Guest {
    engine: Engine,
    module: Module,
    limits: Limits,
    digest: String,
}

impl std::fmt::Debug for Guest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guest")
            .field("digest", &self.digest)
            .field("limits", &self.limits)
            .finish()
    }
}

/// FNV-1a, 64 bits: identifies the module a memory snapshot belongs to.
fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}-{}", bytes.len())
}

impl Guest {
    fn engine() -> Result<Engine, GuestError> {
        let mut config = Config::new();
        config.consume_fuel(true);
        Engine::new(&config).map_err(|e| GuestError::Load(format!("{e:#}")))
    }

    fn with_module(
        engine: Engine,
        module: Module,
        limits: Limits,
        digest: String,
    ) -> Result<Arc<Guest>, GuestError> {
        if let Some(i) = module.imports().next() {
            return Err(GuestError::Load(format!(
                "the guest must have no imports, but imports `{}::{}`",
                i.module(),
                i.name()
            )));
        }
        Ok(Arc::new(Guest {
            engine,
            module,
            limits,
            digest,
        }))
    }

    /// Compiles a module from its bytes.
    pub fn from_bytes(bytes: &[u8], limits: Limits) -> Result<Arc<Guest>, GuestError> {
        let engine = Guest::engine()?;
        let module = Module::new(&engine, bytes).map_err(|e| GuestError::Load(format!("{e:#}")))?;
        Guest::with_module(engine, module, limits, fnv1a(bytes))
    }

    /// Compiles the module in a file, or loads the machine code compiled from the same bytes
    /// by the same wasmtime configuration earlier (a `.cwasm` file beside it; set
    /// `PIM_GUEST_CACHE=0` to disable).
    pub fn from_file(path: &Path, limits: Limits) -> Result<Arc<Guest>, GuestError> {
        let bytes = std::fs::read(path).map_err(|e| {
            GuestError::Load(format!(
                "cannot read `{}`: {e} (run scripts/build-guest.sh to build it)",
                path.display()
            ))
        })?;
        if std::env::var_os("PIM_GUEST_CACHE").is_some_and(|v| v == "0") {
            return Guest::from_bytes(&bytes, limits);
        }
        let engine = Guest::engine()?;
        let digest = fnv1a(&bytes);
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
        let key = std::hash::Hasher::finish(&hasher);
        let cache = path.with_extension(format!("{digest}-{key:016x}.cwasm"));
        if let Ok(module) = cache::load(&engine, &cache) {
            return Guest::with_module(engine, module, limits, digest);
        }
        let module =
            Module::new(&engine, &bytes).map_err(|e| GuestError::Load(format!("{e:#}")))?;
        if let Ok(compiled) = module.serialize() {
            let tmp = cache.with_extension(format!("tmp{}", std::process::id()));
            if std::fs::write(&tmp, compiled).is_ok() && std::fs::rename(&tmp, &cache).is_ok() {
                cache::prune(path, &cache);
            }
        }
        Guest::with_module(engine, module, limits, digest)
    }

    /// Where the guest is: `explicit`, else `$PIM_GUEST`, else the build output under
    /// `$CARGO_TARGET_DIR` or the workspace's `target/` (found from the current directory or
    /// this crate's source directory).
    pub fn locate(explicit: Option<&Path>) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_path_buf();
        }
        if let Some(p) = std::env::var_os("PIM_GUEST") {
            return PathBuf::from(p);
        }
        if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
            let candidate =
                PathBuf::from(dir).join(GUEST_RELATIVE_PATH.trim_start_matches("target/"));
            if candidate.is_file() {
                return candidate;
            }
        }
        let roots = [
            std::env::current_dir().ok(),
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .map(Path::to_path_buf),
        ];
        for root in roots.into_iter().flatten() {
            for dir in root.ancestors() {
                let candidate = dir.join(GUEST_RELATIVE_PATH);
                if candidate.is_file() {
                    return candidate;
                }
            }
        }
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(GUEST_RELATIVE_PATH)
    }

    /// The module's imports, as `module::name` (the ABI requires none).
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|i| format!("{}::{}", i.module(), i.name()))
            .collect()
    }

    /// The module's exports.
    pub fn exports(&self) -> Vec<String> {
        self.module.exports().map(|e| e.name().to_owned()).collect()
    }

    /// Identifies the module's bytes (snapshots are only valid for the same module).
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// The same compiled module under other limits (nothing is compiled again).
    pub fn with_limits(&self, limits: Limits) -> Arc<Guest> {
        Arc::new(Guest {
            engine: self.engine.clone(),
            module: self.module.clone(),
            limits,
            digest: self.digest.clone(),
        })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A fresh instance: an empty tenant.
    pub fn instantiate(self: &Arc<Self>) -> Result<GuestInstance, GuestError> {
        GuestInstance::new(self.clone())
    }
}

type CheckFn = TypedFunc<(u32, u32, u32, u32, u32, u32, i64), i64>;

/// The unit of a check's `now` and of its answer's end: which export answers it.
#[derive(Debug, Clone, Copy)]
enum Unit {
    /// `pim_check`.
    Seconds,
    /// `pim_check_ms`.
    Millis,
}

/// One instance of the guest: its own engine state in its own linear memory.
pub struct GuestInstance {
    guest: Arc<Guest>,
    store: WasmStore<StoreLimits>,
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    call: TypedFunc<(u32, u32), u64>,
    check: CheckFn,
    check_ms: CheckFn,
    scratch: (u32, u32),
    poisoned: Option<String>,
}

impl std::fmt::Debug for GuestInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestInstance")
            .field("guest", &self.guest)
            .field("poisoned", &self.poisoned)
            .finish()
    }
}

fn trap(e: wasmtime::Error) -> GuestError {
    GuestError::Trap(format!("{e:#}"))
}

impl GuestInstance {
    fn new(guest: Arc<Guest>) -> Result<Self, GuestError> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(guest.limits.memory_bytes)
            .instances(1)
            .memories(1)
            .tables(1)
            .trap_on_grow_failure(true)
            .build();
        let mut store = WasmStore::new(&guest.engine, limits);
        store.limiter(|l| l);
        store
            .set_fuel(guest.limits.fuel_per_call)
            .map_err(|e| GuestError::Load(format!("{e:#}")))?;
        let load = |e: wasmtime::Error| GuestError::Load(format!("{e:#}"));
        let linker: Linker<StoreLimits> = Linker::new(&guest.engine);
        let instance: Instance = linker
            .instantiate(&mut store, &guest.module)
            .map_err(load)?;
        let memory = instance
            .get_memory(&mut store, exports::MEMORY)
            .ok_or_else(|| {
                GuestError::Load(format!("the guest exports no `{}`", exports::MEMORY))
            })?;
        let version: TypedFunc<(), u32> = instance
            .get_typed_func(&mut store, exports::ABI_VERSION)
            .map_err(load)?;
        let abi = version.call(&mut store, ()).map_err(load)?;
        if abi != ABI_VERSION {
            return Err(GuestError::Load(format!(
                "the guest speaks ABI {abi}, this host speaks {ABI_VERSION}"
            )));
        }
        Ok(GuestInstance {
            alloc: instance
                .get_typed_func(&mut store, exports::ALLOC)
                .map_err(load)?,
            free: instance
                .get_typed_func(&mut store, exports::FREE)
                .map_err(load)?,
            call: instance
                .get_typed_func(&mut store, exports::CALL)
                .map_err(load)?,
            check: instance
                .get_typed_func(&mut store, exports::CHECK)
                .map_err(load)?,
            check_ms: instance
                .get_typed_func(&mut store, exports::CHECK_MS)
                .map_err(load)?,
            guest,
            store,
            memory,
            scratch: (0, 0),
            poisoned: None,
        })
    }

    /// The module this instance runs.
    pub fn guest(&self) -> &Arc<Guest> {
        &self.guest
    }

    /// Why the instance is unusable, if a call trapped.
    pub fn poisoned(&self) -> Option<&str> {
        self.poisoned.as_deref()
    }

    fn refuel(&mut self, input_len: usize) -> Result<(), GuestError> {
        let l = self.guest.limits;
        let extra = l
            .fuel_per_input_byte
            .saturating_mul(u64::try_from(input_len).unwrap_or(u64::MAX));
        self.store
            .set_fuel(l.fuel_per_call.saturating_add(extra))
            .map_err(trap)
    }

    fn guard<T>(&mut self, r: Result<T, GuestError>) -> Result<T, GuestError> {
        if let Err(e) = &r
            && e.poisons()
        {
            self.poisoned = Some(e.to_string());
        }
        r
    }

    /// Sends one raw call envelope and returns the raw result envelope.
    pub fn call_raw(&mut self, input: &[u8]) -> Result<Vec<u8>, GuestError> {
        if let Some(why) = &self.poisoned {
            return Err(GuestError::Trap(format!("instance unusable: {why}")));
        }
        let limit = self.guest.limits.max_input_bytes;
        if input.len() > limit {
            return Err(GuestError::TooLarge {
                len: input.len(),
                limit,
            });
        }
        let r = self.call_raw_unguarded(input);
        self.guard(r)
    }

    fn call_raw_unguarded(&mut self, input: &[u8]) -> Result<Vec<u8>, GuestError> {
        self.refuel(input.len())?;
        let len = u32::try_from(input.len()).map_err(|_| GuestError::TooLarge {
            len: input.len(),
            limit: u32::MAX as usize,
        })?;
        let ptr = self.alloc.call(&mut self.store, len).map_err(trap)?;
        if ptr == 0 && len > 0 {
            return Err(GuestError::Trap("the guest is out of memory".into()));
        }
        self.memory
            .write(&mut self.store, ptr as usize, input)
            .map_err(|e| GuestError::Abi(e.to_string()))?;
        let packed = self.call.call(&mut self.store, (ptr, len)).map_err(trap)?;
        self.free.call(&mut self.store, (ptr, len)).map_err(trap)?;
        let (out_ptr, out_len) = unpack_result(packed);
        let mut out = vec![0; out_len as usize];
        self.memory
            .read(&self.store, out_ptr as usize, &mut out)
            .map_err(|e| GuestError::Abi(e.to_string()))?;
        self.free
            .call(&mut self.store, (out_ptr, out_len))
            .map_err(trap)?;
        Ok(out)
    }

    fn call_typed<T: DeserializeOwned>(&mut self, call: &Call<'_>) -> Result<T, GuestError> {
        let input = serde_json::to_vec(call).map_err(|e| GuestError::Abi(e.to_string()))?;
        let out = self.call_raw(&input)?;
        match serde_json::from_slice::<Reply<T>>(&out) {
            Ok(Reply::Ok(v)) => Ok(v),
            Ok(Reply::Err(f)) => Err(GuestError::Refused {
                code: f.code,
                message: f.message,
            }),
            Err(e) => {
                let r = Err(GuestError::Abi(format!("unreadable result: {e}")));
                self.guard(r)
            }
        }
    }

    /// The guest's ABI and crate versions.
    pub fn version(&mut self) -> Result<GuestVersion, GuestError> {
        self.call_typed(&Call::Version)
    }

    /// Decides a command; changes nothing.
    pub fn execute(
        &mut self,
        command: &Command,
        context: &CallContext,
        now: Instant,
    ) -> Result<Outcome, GuestError> {
        self.call_typed(&Call::Execute {
            command: Cow::Borrowed(command),
            context: Cow::Borrowed(context),
            now,
        })
    }

    /// Applies committed events.
    pub fn apply(&mut self, events: &[Event]) -> Result<GuestSummary, GuestError> {
        self.call_typed(&Call::Apply {
            events: Cow::Borrowed(events),
        })
    }

    /// Empties the instance, which from then on keeps only `projections` (through `load` too):
    /// a gateway that only asks `check` keeps neither audit records nor notifications.
    pub fn reset(&mut self, projections: Projections) -> Result<GuestSummary, GuestError> {
        self.call_typed(&Call::Reset {
            projections: Some(projections),
        })
    }

    /// Replaces the state with the replay of `events`.
    pub fn load(&mut self, events: &[Event]) -> Result<GuestSummary, GuestError> {
        self.call_typed(&Call::Load {
            events: Cow::Borrowed(events),
        })
    }

    /// The events time alone causes up to `now`; changes nothing.
    pub fn tick(&mut self, now: Instant) -> Result<Vec<Event>, GuestError> {
        self.call_typed(&Call::Tick { now })
    }

    /// Answers a query.
    pub fn query(&mut self, query: &Query, now: Instant) -> Result<QueryResult, GuestError> {
        self.call_typed(&Call::Query {
            query: Cow::Borrowed(query),
            now,
        })
    }

    /// How many events the instance holds.
    pub fn state(&mut self) -> Result<GuestSummary, GuestError> {
        self.call_typed(&Call::State)
    }

    /// The gateway question through the lean export `pim_check`: no JSON, one copy of the
    /// three strings into a reused buffer; `now` and the answer's end in unix seconds.
    /// `scope` is `/` or a normalised scope id; empty means `/`. The guest's
    /// [`CheckCode::BadArguments`] comes back as an `InvalidRequest` refusal, so an `Ok`
    /// answer is never that.
    pub fn check(
        &mut self,
        principal: &str,
        role: &str,
        scope: &str,
        now_unix_seconds: i64,
    ) -> Result<CheckCode, GuestError> {
        self.check_in(Unit::Seconds, [principal, role, scope], now_unix_seconds)
    }

    /// [`GuestInstance::check`] through `pim_check_ms`: `now` and the answer's end in unix
    /// milliseconds, so a grant that began within the current second is seen at once.
    pub fn check_millis(
        &mut self,
        principal: &str,
        role: &str,
        scope: &str,
        now_unix_millis: i64,
    ) -> Result<CheckCode, GuestError> {
        self.check_in(Unit::Millis, [principal, role, scope], now_unix_millis)
    }

    fn check_in(&mut self, unit: Unit, key: [&str; 3], now: i64) -> Result<CheckCode, GuestError> {
        if let Some(why) = &self.poisoned {
            return Err(GuestError::Trap(format!("instance unusable: {why}")));
        }
        let r = self.check_unguarded(unit, key, now);
        self.guard(r)
    }

    fn check_unguarded(
        &mut self,
        unit: Unit,
        [principal, role, scope]: [&str; 3],
        now: i64,
    ) -> Result<CheckCode, GuestError> {
        let total = principal.len() + role.len() + scope.len();
        if total > self.guest.limits.max_input_bytes {
            return Err(GuestError::TooLarge {
                len: total,
                limit: self.guest.limits.max_input_bytes,
            });
        }
        let total = total as u32;
        self.refuel(total as usize)?;
        if self.scratch.1 < total {
            if self.scratch.1 > 0 {
                self.free
                    .call(&mut self.store, self.scratch)
                    .map_err(trap)?;
            }
            let cap = total.max(256).next_power_of_two();
            let ptr = self.alloc.call(&mut self.store, cap).map_err(trap)?;
            if ptr == 0 {
                self.scratch = (0, 0);
                return Err(GuestError::Trap("the guest is out of memory".into()));
            }
            self.scratch = (ptr, cap);
        }
        let base = self.scratch.0;
        let mem = self.memory.data_mut(&mut self.store);
        let (p, r, s) = (
            principal.len() as u32,
            role.len() as u32,
            scope.len() as u32,
        );
        let at = base as usize;
        let slot = mem
            .get_mut(at..at + total as usize)
            .ok_or_else(|| GuestError::Abi("scratch buffer outside memory".into()))?;
        slot[..p as usize].copy_from_slice(principal.as_bytes());
        slot[p as usize..(p + r) as usize].copy_from_slice(role.as_bytes());
        slot[(p + r) as usize..].copy_from_slice(scope.as_bytes());
        let export = match unit {
            Unit::Seconds => &self.check,
            Unit::Millis => &self.check_ms,
        };
        let code = export
            .call(
                &mut self.store,
                (base, p, base + p, r, base + p + r, s, now),
            )
            .map_err(trap)?;
        match CheckCode::from_i64(code) {
            CheckCode::BadArguments => Err(GuestError::Refused {
                code: codes::INVALID_REQUEST.into(),
                message: "check arguments are not UTF-8, or `now` is out of range".into(),
            }),
            answer => Ok(answer),
        }
    }

    /// A copy of the instance's linear memory: with the module's digest, a snapshot from which
    /// [`GuestInstance::restore`] rebuilds an identical instance (docs/abi.md, "Snapshots").
    pub fn memory_image(&self) -> Vec<u8> {
        self.memory.data(&self.store).to_vec()
    }

    /// A fresh instance of `guest` whose memory is `image` (from [`GuestInstance::memory_image`]
    /// on an instance of the same module, between calls).
    pub fn restore(guest: &Arc<Guest>, image: &[u8]) -> Result<GuestInstance, GuestError> {
        let mut instance = guest.instantiate()?;
        let page = 65_536usize;
        let current = instance.memory.data_size(&instance.store);
        if !image.len().is_multiple_of(page) || image.len() < current {
            return Err(GuestError::Load(format!(
                "a memory image of {} bytes does not fit this guest",
                image.len()
            )));
        }
        let grow = ((image.len() - current) / page) as u64;
        instance
            .memory
            .grow(&mut instance.store, grow)
            .map_err(|e| GuestError::Load(format!("{e:#}")))?;
        instance
            .memory
            .write(&mut instance.store, 0, image)
            .map_err(|e| GuestError::Load(e.to_string()))?;
        Ok(instance)
    }
}
