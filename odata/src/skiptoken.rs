//! The `$skiptoken` this crate writes into `@odata.nextLink`: the position the next page
//! starts at, in hex, then `.` and a 64-bit FNV-1a check over that position and every other
//! parameter of the query (percent-decoded, in order). A token altered by hand, or carried
//! over to a query with other options, fails the check and is refused; the token is not a
//! secret or a security boundary, only a guard against a page of the wrong result.

use crate::QueryError;
use crate::options::{SystemOption, system_option};

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(hash: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(hash, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
}

/// Whether the query parameter `key` is a `$skiptoken`.
pub(crate) fn is_skiptoken(key: &str) -> bool {
    system_option(key) == Some(SystemOption::SkipToken)
}

/// The check over `offset` and the parameters of `raw` other than `$skiptoken`.
fn check(raw: &str, offset: usize) -> u64 {
    let mut hash = fnv(FNV_OFFSET, offset.to_string().as_bytes());
    for (key, value) in form_urlencoded::parse(raw.as_bytes()) {
        if is_skiptoken(&key) {
            continue;
        }
        hash = fnv(hash, &[0xff]);
        hash = fnv(hash, key.as_bytes());
        hash = fnv(hash, &[0xfe]);
        hash = fnv(hash, value.as_bytes());
    }
    hash
}

/// The token resuming the query `raw` (its query string) at `offset`.
pub(crate) fn encode(raw: &str, offset: usize) -> String {
    format!("{offset:x}.{:016x}", check(raw, offset))
}

/// The position `token` resumes the query `raw` at.
pub(crate) fn decode(token: &str, raw: &str) -> Result<usize, QueryError> {
    let bad = || {
        QueryError::bad_request(format!(
            "The $skiptoken '{token}' is not valid for this query; follow @odata.nextLink as returned."
        ))
    };
    let (offset, sum) = token.split_once('.').ok_or_else(bad)?;
    if offset.is_empty() || offset.len() > 16 || sum.len() != 16 {
        return Err(bad());
    }
    let offset = usize::from_str_radix(offset, 16).map_err(|_| bad())?;
    let sum = u64::from_str_radix(sum, 16).map_err(|_| bad())?;
    if sum != check(raw, offset) {
        return Err(bad());
    }
    Ok(offset)
}
