//! The exports of `pim_guest.wasm` (docs/abi.md; their names are `pim_core::abi::exports`).
//! This module only moves bytes between the host's linear-memory buffers and `dispatch`; it is
//! the crate's only `unsafe` code.
#![allow(
    unsafe_code,
    reason = "the C ABI: exported symbols and raw pointers into linear memory"
)]

use std::alloc::{Layout, alloc, dealloc};
use std::cell::RefCell;

use pim_core::abi::{ABI_VERSION, CheckCode, pack_result};

use crate::dispatch::GuestState;

thread_local! {
    // INVARIANT: a wasm32-unknown-unknown module without threads has exactly one instance of
    // this; every export runs to completion before the next starts, so borrows never overlap.
    static STATE: RefCell<GuestState> = RefCell::new(GuestState::default());
}

/// The ABI version (docs/abi.md, "Versioning").
#[unsafe(no_mangle)]
pub extern "C" fn pim_abi_version() -> u32 {
    ABI_VERSION
}

/// Allocates `len` bytes (alignment 1) for the host to fill; 0 when out of memory. A zero
/// length yields a non-null pointer that must not be read or written.
#[unsafe(no_mangle)]
pub extern "C" fn pim_alloc(len: usize) -> *mut u8 {
    match Layout::from_size_align(len, 1) {
        Ok(_) if len == 0 => std::ptr::NonNull::<u8>::dangling().as_ptr(),
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a buffer from `pim_alloc` or a result of `pim_call`, with the length it was given.
///
/// # Safety
/// `ptr` and `len` must be exactly what `pim_alloc` was given and returned (or what `pim_call`
/// returned), freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_free(ptr: *mut u8, len: usize) {
    if len == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::from_size_align(len, 1) {
        // SAFETY: the caller guarantees `ptr` came from `alloc` with this layout.
        unsafe { dealloc(ptr, layout) }
    }
}

/// # Safety
/// `ptr..ptr+len` must be readable (a buffer from `pim_alloc`, or `len == 0`).
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        // SAFETY: guaranteed by the caller.
        unsafe { std::slice::from_raw_parts(ptr, len) }
    }
}

/// Handles one JSON call envelope at `ptr..ptr+len` and returns the result envelope as
/// `(out_ptr << 32) | out_len`. The input stays the host's; the output is the host's to read
/// and then free with `pim_free(out_ptr, out_len)`.
///
/// # Safety
/// `ptr..ptr+len` must be a buffer from `pim_alloc` (or `len == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_call(ptr: *const u8, len: usize) -> u64 {
    // SAFETY: guaranteed by the caller.
    let input = unsafe { bytes(ptr, len) };
    let out = STATE
        .with(|s| s.borrow_mut().handle(input))
        .into_boxed_slice();
    // wasm32: pointers and lengths are 32 bits.
    let out_len = out.len() as u32;
    let out_ptr = Box::into_raw(out) as *mut u8 as usize as u32;
    pack_result(out_ptr, out_len)
}

/// The gateway question without JSON: is the principal active in the role at the scope at
/// `now` (unix seconds)? `-1` bad arguments, `0` inactive, `i64::MAX` active with no end,
/// otherwise active until that unix second.
///
/// # Safety
/// Each `(ptr, len)` pair must be a readable buffer from `pim_alloc` (or `len == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_check(
    principal_ptr: *const u8,
    principal_len: usize,
    role_ptr: *const u8,
    role_len: usize,
    scope_ptr: *const u8,
    scope_len: usize,
    now: i64,
) -> i64 {
    let key = [
        (principal_ptr, principal_len),
        (role_ptr, role_len),
        (scope_ptr, scope_len),
    ];
    // SAFETY: guaranteed by the caller.
    unsafe { check_key(key, |state, p, r, s| state.check(p, r, s, now)) }
}

/// [`pim_check`] in milliseconds: `now` and the answer's end are unix milliseconds, so an
/// activation that began within the current second is seen at once and a grant ends to the
/// millisecond.
///
/// # Safety
/// Each `(ptr, len)` pair must be a readable buffer from `pim_alloc` (or `len == 0`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn pim_check_ms(
    principal_ptr: *const u8,
    principal_len: usize,
    role_ptr: *const u8,
    role_len: usize,
    scope_ptr: *const u8,
    scope_len: usize,
    now_ms: i64,
) -> i64 {
    let key = [
        (principal_ptr, principal_len),
        (role_ptr, role_len),
        (scope_ptr, scope_len),
    ];
    // SAFETY: guaranteed by the caller.
    unsafe { check_key(key, |state, p, r, s| state.check_millis(p, r, s, now_ms)) }
}

/// Reads the three strings of a check and asks `answer`; bad UTF-8 is `BadArguments`.
///
/// # Safety
/// Each `(ptr, len)` pair must be a readable buffer from `pim_alloc` (or `len == 0`).
unsafe fn check_key(
    key: [(*const u8, usize); 3],
    answer: impl FnOnce(&GuestState, &str, &str, &str) -> CheckCode,
) -> i64 {
    let [(p, p_len), (r, r_len), (s, s_len)] = key;
    // SAFETY: guaranteed by the caller.
    let (p, r, s) = unsafe { (bytes(p, p_len), bytes(r, r_len), bytes(s, s_len)) };
    let (Ok(p), Ok(r), Ok(s)) = (
        std::str::from_utf8(p),
        std::str::from_utf8(r),
        std::str::from_utf8(s),
    ) else {
        return CheckCode::BadArguments.to_i64();
    };
    STATE.with(|state| answer(&state.borrow(), p, r, s).to_i64())
}
