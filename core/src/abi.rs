//! The contract between `pim_guest.wasm` and the hosts that embed it (docs/abi.md): the ABI
//! version, the export names, the call and result envelopes of `pim_call`, the error codes and
//! the numeric answers of `pim_check`.
//!
//! The guest (`wasm/guest`) reads [`Call`]s and writes [`Reply`]s; a host (`pim-host`) writes
//! [`Call`]s, borrowing what it sends, and reads [`Reply`]s. Both use these types, so the two
//! sides cannot drift apart. Everything here is wire format: changing a name, a field or a code
//! changes the ABI (see [`ABI_VERSION`]).

use alloc::borrow::Cow;
use alloc::string::String;

use serde::{Deserialize, Serialize};

use crate::engine::{CallContext, Check, Command, Query};
use crate::event::Event;
use crate::time::Instant;

/// The ABI version `pim_abi_version` returns and `{"op":"version"}` reports. It changes only
/// when an existing export or envelope field changes meaning (docs/abi.md, "Versioning"); a
/// host refuses a guest whose version differs from its own.
pub const ABI_VERSION: u32 = 1;

/// The names of the guest's exports (docs/abi.md, "Exports"). The guest's `#[no_mangle]`
/// functions carry exactly these names; hosts look them up by them.
pub mod exports {
    /// The linear memory every pointer refers to.
    pub const MEMORY: &str = "memory";
    /// `() -> i32`: the ABI version.
    pub const ABI_VERSION: &str = "pim_abi_version";
    /// `(len: i32) -> i32`: allocates a buffer for the host to fill; `0` when out of memory.
    pub const ALLOC: &str = "pim_alloc";
    /// `(ptr: i32, len: i32)`: frees a buffer from `pim_alloc`, or a result of `pim_call`.
    pub const FREE: &str = "pim_free";
    /// `(ptr: i32, len: i32) -> i64`: one call envelope in, one result envelope out, packed as
    /// [`super::pack_result`] describes.
    pub const CALL: &str = "pim_call";
    /// `(p_ptr, p_len, r_ptr, r_len, s_ptr, s_len: i32, now: i64) -> i64`: the gateway
    /// question, `now` and the answer's end in unix seconds, answered as a
    /// [`super::CheckCode`].
    pub const CHECK: &str = "pim_check";
    /// `pim_check` with `now` and the answer's end in unix milliseconds: an activation that
    /// began within the current second is seen at once, and a grant ends to the millisecond.
    pub const CHECK_MS: &str = "pim_check_ms";
}

/// `pim_call`'s result: the result buffer's pointer in the high 32 bits, its length in the
/// low 32 bits.
pub const fn pack_result(ptr: u32, len: u32) -> u64 {
    (ptr as u64).wrapping_shl(32) | len as u64
}

/// The `(pointer, length)` of a result packed by [`pack_result`].
pub const fn unpack_result(packed: u64) -> (u32, u32) {
    (packed.wrapping_shr(32) as u32, packed as u32)
}

/// One call through `pim_call`, in wire form (docs/abi.md, "Operations"): a JSON object tagged
/// by `op`. A host builds it from borrowed parts (`Cow::Borrowed`); the guest reads it owned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "op",
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Call<'a> {
    /// Decides a command; changes nothing (the host persists the events, then `apply`s them).
    /// The result is an [`Outcome`](crate::Outcome).
    Execute {
        /// The command.
        command: Cow<'a, Command>,
        /// Who calls; the host itself when absent.
        #[serde(default)]
        context: Cow<'a, CallContext>,
        /// The time of the call.
        #[serde(with = "crate::time::instant")]
        now: Instant,
    },
    /// Applies committed events, in order. The result is a [`Summary`].
    Apply {
        /// The events.
        events: Cow<'a, [Event]>,
    },
    /// The events time alone causes up to `now`; changes nothing. The result is the events.
    Tick {
        /// The time of the call.
        #[serde(with = "crate::time::instant")]
        now: Instant,
    },
    /// Answers a query. The result is a [`QueryResult`](crate::QueryResult).
    Query {
        /// The query.
        query: Cow<'a, Query>,
        /// The time of the call.
        #[serde(with = "crate::time::instant")]
        now: Instant,
    },
    /// Replaces the state with the replay of a whole log. The result is a [`Summary`].
    Load {
        /// The log, oldest first.
        events: Cow<'a, [Event]>,
    },
    /// Forgets everything: an empty tenant. The result is a [`Summary`] of no events. With
    /// `projections`, the instance from then on keeps only those (a gateway that only asks
    /// `check` sends `{"audit":false,"notifications":false}`); `load` keeps the choice.
    Reset {
        /// The projections to keep; every one when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        projections: Option<crate::Projections>,
    },
    /// How many events the state holds and the latest time they carry: a [`Summary`].
    State,
    /// The ABI and core versions: a [`Version`].
    Version,
}

/// The result envelope of `pim_call`: `{"ok":<result>}` or `{"err":{"code":…,"message":…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Reply<T> {
    /// The call succeeded; what it returns depends on the [`Call`].
    Ok(T),
    /// The call failed.
    Err(Fault),
}

/// Why a call failed: one of the [`codes`] and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// The error code (see [`codes`]); hosts treat an unknown code like [`codes::INTERNAL`].
    pub code: String,
    /// What is wrong.
    #[serde(default)]
    pub message: String,
}

/// The error codes of [`Fault::code`] (docs/abi.md, "`pim_call`: envelopes").
pub mod codes {
    /// The envelope is not JSON, an op or field is unknown, a command is malformed or names
    /// something that does not exist, or time went backwards: the caller's fault.
    pub const INVALID_REQUEST: &str = "InvalidRequest";
    /// An event does not fit the state (a corrupt or foreign log): rebuild the instance.
    pub const APPLY_ERROR: &str = "ApplyError";
    /// The guest could not serialize its answer (a bug): rebuild the instance.
    pub const INTERNAL: &str = "Internal";
}

/// What `apply`, `load`, `reset` and `state` report.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// The latest time an applied event carried (RFC 3339), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Events applied since the instance began (a restored snapshot counts what its instance
    /// had applied).
    pub events: u64,
}

/// What `version` reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    /// The ABI version ([`ABI_VERSION`]).
    pub abi: u32,
    /// The pim release the guest was built from.
    pub core: String,
}

/// What `pim_check` answers (docs/abi.md, "`pim_check`"), as a value; [`CheckCode::to_i64`]
/// and [`CheckCode::from_i64`] are the export's numeric encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckCode {
    /// The arguments were not UTF-8, or `now` is out of range (`-1`).
    BadArguments,
    /// Not active (`0`).
    Inactive,
    /// Active until the given unix second (`pim_check`) or millisecond (`pim_check_ms`): the
    /// end, truncated to that unit, at least 1.
    ActiveUntil(i64),
    /// Active with no end (`i64::MAX`).
    ActivePermanently,
}

/// The latest end [`CheckCode::ActiveUntil`] encodes: `i64::MAX` means no end.
const LAST_SECOND: i64 = i64::MAX - 1;

impl CheckCode {
    /// The code as the export returns it.
    pub fn to_i64(self) -> i64 {
        match self {
            CheckCode::BadArguments => -1,
            CheckCode::Inactive => 0,
            CheckCode::ActiveUntil(t) => t.clamp(1, LAST_SECOND),
            CheckCode::ActivePermanently => i64::MAX,
        }
    }

    /// The code the export returned, decoded: any negative value is [`CheckCode::BadArguments`].
    pub const fn from_i64(code: i64) -> CheckCode {
        match code {
            0 => CheckCode::Inactive,
            i64::MAX => CheckCode::ActivePermanently,
            t if t > 0 => CheckCode::ActiveUntil(t),
            _ => CheckCode::BadArguments,
        }
    }

    /// Whether the principal is active.
    pub const fn is_active(self) -> bool {
        matches!(
            self,
            CheckCode::ActiveUntil(_) | CheckCode::ActivePermanently
        )
    }
}

impl CheckCode {
    /// The answer of [`Engine::check`](crate::Engine::check) as `pim_check_ms` reports it:
    /// the end in unix milliseconds.
    pub fn from_check_millis(c: &Check) -> CheckCode {
        match (c.active, c.end_date_time) {
            (false, _) => CheckCode::Inactive,
            (true, None) => CheckCode::ActivePermanently,
            (true, Some(end)) => CheckCode::ActiveUntil(end.timestamp_millis()),
        }
    }
}

impl From<&Check> for CheckCode {
    /// The answer of [`Engine::check`](crate::Engine::check) as `pim_check` reports it: the
    /// end in unix seconds.
    fn from(c: &Check) -> Self {
        match (c.active, c.end_date_time) {
            (false, _) => CheckCode::Inactive,
            (true, None) => CheckCode::ActivePermanently,
            (true, Some(end)) => CheckCode::ActiveUntil(end.timestamp()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn check_codes_round_trip() {
        for code in [
            CheckCode::Inactive,
            CheckCode::ActiveUntil(1),
            CheckCode::ActiveUntil(1_772_442_000),
            CheckCode::ActivePermanently,
            CheckCode::BadArguments,
        ] {
            assert_eq!(CheckCode::from_i64(code.to_i64()), code);
        }
        assert_eq!(CheckCode::ActiveUntil(0).to_i64(), 1);
        assert_eq!(CheckCode::ActiveUntil(i64::MAX).to_i64(), i64::MAX - 1);
        assert_eq!(CheckCode::from_i64(-7), CheckCode::BadArguments);
        assert!(!CheckCode::BadArguments.is_active());
    }

    #[test]
    fn check_answers_in_seconds_or_milliseconds() {
        let end = crate::time::parse_instant("2026-03-02T09:00:00.750Z")
            .expect("the test input is valid");
        let check = Check {
            active: true,
            end_date_time: Some(end),
            via: None,
        };
        // 2026-03-02T09:00:00Z is 1,772,442,000 s after the epoch.
        assert_eq!(
            CheckCode::from(&check),
            CheckCode::ActiveUntil(1_772_442_000)
        );
        assert_eq!(
            CheckCode::from_check_millis(&check),
            CheckCode::ActiveUntil(1_772_442_000_750)
        );
        let open = Check {
            end_date_time: None,
            ..check
        };
        assert_eq!(
            CheckCode::from_check_millis(&open),
            CheckCode::ActivePermanently
        );
    }

    #[test]
    fn packing_round_trips() {
        assert_eq!(
            unpack_result(pack_result(0x1234, 0xffff_ffff)),
            (0x1234, 0xffff_ffff)
        );
    }

    #[test]
    fn envelopes_keep_their_wire_form() {
        let now =
            crate::time::parse_instant("2026-03-02T09:00:00Z").expect("the test input is valid");
        let call = Call::Tick { now };
        let text = serde_json::to_string(&call).expect("the test input is valid");
        assert_eq!(text, r#"{"op":"tick","now":"2026-03-02T09:00:00Z"}"#);
        assert_eq!(
            serde_json::from_str::<Call<'_>>(&text).expect("the test input is valid"),
            call
        );
        let events: vec::Vec<Event> = vec![];
        let apply = Call::Apply {
            events: Cow::Borrowed(&events),
        };
        assert_eq!(
            serde_json::to_string(&apply).expect("the test input is valid"),
            r#"{"op":"apply","events":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&Call::State).expect("the test input is valid"),
            r#"{"op":"state"}"#
        );
        let ok: Reply<Summary> =
            serde_json::from_str(r#"{"ok":{"events":3}}"#).expect("the test input is valid");
        assert_eq!(
            ok,
            Reply::Ok(Summary {
                clock: None,
                events: 3
            })
        );
        let err = Reply::<()>::Err(Fault {
            code: codes::INVALID_REQUEST.into(),
            message: "bad".into(),
        });
        assert_eq!(
            serde_json::to_string(&err).expect("the test input is valid"),
            r#"{"err":{"code":"InvalidRequest","message":"bad"}}"#
        );
        let summary = Summary {
            clock: Some("2026-03-02T09:00:00Z".into()),
            events: 2,
        };
        assert_eq!(
            serde_json::to_string(&Reply::Ok(&summary)).expect("the test input is valid"),
            r#"{"ok":{"clock":"2026-03-02T09:00:00Z","events":2}}"#
        );
    }
}
