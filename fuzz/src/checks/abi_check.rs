//! Target `abi_check`: the `pim_check` export itself, compiled for the host, with arbitrary
//! argument bytes and times, on the fixture tenant. The export keeps its state in a
//! thread-local; natively, `pim_call` can load it (the input pointer is a real pointer) but
//! its packed result truncates the output pointer to 32 bits, so the load's answer is leaked
//! and only its length is looked at.
//!
//! Promises (docs/abi.md): the answer is `-1` exactly when a string is not UTF-8 or `now` is
//! out of range, otherwise `0`, `i64::MAX` or an end that is not before `now`; and it agrees
//! with the JSON `check` query on the same tenant whenever the scope is a normalised one.
#![allow(unsafe_code, reason = "calls the guest's C ABI exports")]

use std::borrow::Cow;
use std::cell::RefCell;

use pim_core::abi::{Call, CheckCode, Reply};
use pim_core::schedule::normalise_scope;
use pim_core::{Query, QueryResult};
use pim_guest::GuestState;

use super::fixture;

unsafe extern "C" {
    fn pim_call(ptr: *const u8, len: usize) -> u64;
    fn pim_check(
        principal_ptr: *const u8,
        principal_len: usize,
        role_ptr: *const u8,
        role_len: usize,
        scope_ptr: *const u8,
        scope_len: usize,
        now: i64,
    ) -> i64;
    fn pim_check_ms(
        principal_ptr: *const u8,
        principal_len: usize,
        role_ptr: *const u8,
        role_len: usize,
        scope_ptr: *const u8,
        scope_len: usize,
        now_ms: i64,
    ) -> i64;
}

thread_local! {
    /// The same tenant behind the JSON ABI, to compare with.
    static REFERENCE: RefCell<GuestState> = RefCell::new(loaded());
    /// Whether the export's own state holds the tenant on this thread.
    static EXPORT_LOADED: RefCell<bool> = const { RefCell::new(false) };
}

fn loaded() -> GuestState {
    let mut guest = GuestState::default();
    let out = guest.handle(fixture::load_envelope());
    assert!(out.starts_with(br#"{"ok""#), "the fixture loads");
    guest
}

fn load_export() {
    EXPORT_LOADED.with(|done| {
        if !*done.borrow() {
            let input = fixture::load_envelope();
            // SAFETY: `input` is a live buffer of `input.len()` bytes; the result is not read.
            let packed = unsafe { pim_call(input.as_ptr(), input.len()) };
            assert!(packed as u32 > 0, "the export answered the load");
            *done.borrow_mut() = true;
        }
    });
}

/// The answers of `pim_check` (unix seconds) and `pim_check_ms` (the same instant in
/// milliseconds) for three byte strings and a time.
fn export_check(p: &[u8], r: &[u8], s: &[u8], now: i64) -> (i64, i64) {
    load_export();
    let (pp, rp, sp) = (p.as_ptr(), r.as_ptr(), s.as_ptr());
    let (pl, rl, sl) = (p.len(), r.len(), s.len());
    // SAFETY: each pointer and length describe a live slice.
    unsafe {
        (
            pim_check(pp, pl, rp, rl, sp, sl, now),
            pim_check_ms(pp, pl, rp, rl, sp, sl, now.saturating_mul(1000)),
        )
    }
}

/// Decodes the arguments from `input` (see [`arguments`]) and checks the export's answer.
pub fn check(input: &[u8]) {
    let (p, r, s, now) = arguments(input);
    let (code, code_ms) = export_check(&p, &r, &s, now);
    let strings = (
        std::str::from_utf8(&p),
        std::str::from_utf8(&r),
        std::str::from_utf8(&s),
    );
    let time =
        chrono::DateTime::from_timestamp(now, 0).and_then(|t| pim_core::time::check_range(t).ok());
    let (Ok(p), Ok(r), Ok(s), Some(at)) = (strings.0, strings.1, strings.2, time) else {
        assert_eq!(code, -1, "bad arguments answer -1");
        assert_eq!(code_ms, -1, "bad arguments answer -1 in milliseconds too");
        return;
    };
    assert!(code >= 0, "good arguments never answer {code}");
    if code != i64::MAX && code > 0 {
        assert!(code >= now, "active until {code}, before now ({now})");
    }
    if let Some(c) = query_check(p, r, s, at) {
        assert_eq!(
            code,
            CheckCode::from(&c).to_i64(),
            "pim_check and the check query disagree"
        );
        assert_eq!(
            code_ms,
            CheckCode::from_check_millis(&c).to_i64(),
            "pim_check_ms and the check query disagree"
        );
    }
}

/// The JSON `check` query's answer, when the scope is normalised.
fn query_check(
    p: &str,
    r: &str,
    s: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<pim_core::Check> {
    let scope = (!s.is_empty()).then(|| s.to_owned());
    if normalise_scope(scope.as_deref(), None).ok()?.as_str() != if s.is_empty() { "/" } else { s }
    {
        return None;
    }
    let call = Call::Query {
        query: Cow::Owned(Query::Check {
            principal_id: p.into(),
            role_definition_id: r.into(),
            directory_scope_id: scope.map(Into::into),
            app_scope_id: None,
        }),
        now,
    };
    let out = REFERENCE.with(|g| g.borrow_mut().dispatch(call));
    match serde_json::from_slice::<Reply<QueryResult>>(&out) {
        Ok(Reply::Ok(QueryResult::Check(c))) => Some(c),
        other => panic!("the check query failed: {other:?}"),
    }
}

/// The arguments in `input`: byte 0 chooses, per argument, a fixture value (bit clear) or raw
/// bytes (bit set): bit 0 the principal, bit 1 the role, bit 2 the scope, bit 3 a raw `now`
/// instead of one within 200 days of the fixture's load. Bytes 1–8 are `now` (little-endian),
/// bytes 9 and 10 the lengths of the raw principal and role; the rest is the raw strings in
/// order, the scope taking what remains. A fixture value is chosen by that argument's length
/// byte (the scope's by byte 0's high bits).
pub fn arguments(input: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>, i64) {
    let byte = |i: usize| input.get(i).copied().unwrap_or(0);
    let mode = byte(0);
    let mut raw_now = [0u8; 8];
    for (i, b) in raw_now.iter_mut().enumerate() {
        *b = byte(i + 1);
    }
    let raw_now = i64::from_le_bytes(raw_now);
    let now = if mode & 8 != 0 {
        raw_now
    } else {
        1_772_442_000 - 10 * 86_400 + raw_now.rem_euclid(200 * 86_400)
    };
    let rest = input.get(11..).unwrap_or(&[]);
    let (p_len, r_len) = (usize::from(byte(9)), usize::from(byte(10)));
    let (raw_p, rest) = rest.split_at(p_len.min(rest.len()));
    let (raw_r, raw_s) = rest.split_at(r_len.min(rest.len()));
    let pick = |bit: u8, raw: &[u8], table: &[&str], index: usize| -> Vec<u8> {
        if mode & bit != 0 {
            raw.to_vec()
        } else {
            table[index % table.len()].as_bytes().to_vec()
        }
    };
    (
        pick(1, raw_p, &fixture::PRINCIPALS, p_len),
        pick(2, raw_r, &fixture::ROLES, r_len),
        pick(4, raw_s, &fixture::SCOPES, usize::from(mode >> 4)),
        now,
    )
}
