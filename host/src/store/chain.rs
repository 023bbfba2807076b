//! The hash chain that makes the event log tamper-evident (docs/event-log.md, "The chain").
//!
//! Event `n` stores `hash(n) = H(hash(n-1) ‖ n ‖ body(n))`: `hash(0)` is 32 zero bytes, `n` is
//! 8 bytes big-endian, `body(n)` the exact stored bytes of the event's JSON. `H` is SHA-256, or
//! HMAC-SHA256 under a key (`PIM_LOG_KEY`) so that whoever can write the file but does not hold
//! the key cannot forge a chain that verifies.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// One link of the chain: 32 bytes.
pub type Hash = [u8; 32];

/// The hash before the first event.
pub const GENESIS: Hash = [0; 32];

/// The environment variable holding the chain's key.
pub const KEY_VARIABLE: &str = "PIM_LOG_KEY";

/// How links are computed: plain SHA-256, or HMAC-SHA256 under a key.
#[derive(Clone, Default)]
pub struct Chain {
    key: Option<Vec<u8>>,
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key itself.
        f.debug_struct("Chain").field("kind", &self.kind()).finish()
    }
}

/// The key in `PIM_LOG_KEY` is set but empty.
#[derive(Debug, thiserror::Error)]
#[error("{KEY_VARIABLE} is set but empty: unset it for an unkeyed chain, or give a key")]
pub struct EmptyKey;

impl Chain {
    /// The unkeyed chain (SHA-256).
    pub fn plain() -> Self {
        Chain { key: None }
    }

    /// The keyed chain (HMAC-SHA256 under `key`, the key's bytes as they are).
    pub fn keyed(key: impl Into<Vec<u8>>) -> Self {
        Chain {
            key: Some(key.into()),
        }
    }

    /// The keyed chain if `PIM_LOG_KEY` is set (its UTF-8 bytes are the key), else the plain one.
    pub fn from_env() -> Result<Self, EmptyKey> {
        match std::env::var_os(KEY_VARIABLE) {
            None => Ok(Chain::plain()),
            Some(k) if k.is_empty() => Err(EmptyKey),
            Some(k) => Ok(Chain::keyed(k.into_encoded_bytes())),
        }
    }

    /// The name recorded in the database's `meta` table: `sha256` or `hmac-sha256`.
    pub fn kind(&self) -> &'static str {
        if self.key.is_some() {
            "hmac-sha256"
        } else {
            "sha256"
        }
    }

    /// The link after `prev` for event `seq` with stored body `body`.
    pub fn link(&self, prev: &Hash, seq: u64, body: &[u8]) -> Hash {
        match &self.key {
            None => {
                let mut h = Sha256::new();
                h.update(prev);
                h.update(seq.to_be_bytes());
                h.update(body);
                h.finalize().into()
            }
            Some(key) => {
                let mut mac = hmac(key);
                mac.update(prev);
                mac.update(&seq.to_be_bytes());
                mac.update(body);
                mac.finalize().into_bytes().into()
            }
        }
    }

    /// A public name for the key (the first 8 bytes of `HMAC(key, "pim-log-key-id")`, in
    /// hex), recorded in the database so a wrong key is reported as such, not as a broken
    /// chain. `None` for the plain chain.
    pub fn key_id(&self) -> Option<String> {
        let key = self.key.as_ref()?;
        let mut mac = hmac(key);
        mac.update(b"pim-log-key-id");
        let id: Hash = mac.finalize().into_bytes().into();
        Some(to_hex(&id[..8]))
    }
}

fn hmac(key: &[u8]) -> Hmac<Sha256> {
    // INVARIANT: HMAC takes keys of any length; `new_from_slice` fails for none.
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// Lowercase hex, as stored.
pub fn to_hex(bytes: &[u8]) -> String {
    use fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A stored link (64 hex digits, either case), if it is one.
pub fn from_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut out = GENESIS;
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Where a verified chain ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainHead {
    /// The last sequence number (0 for an empty log).
    pub seq: u64,
    /// Its link ([`GENESIS`] for an empty log).
    pub hash: Hash,
}

impl ChainHead {
    /// The link in hex, as stored and as `pim-host verify` prints it.
    pub fn hex(&self) -> String {
        to_hex(&self.hash)
    }
}

/// Walks a chain event by event, checking each stored link.
#[derive(Debug)]
pub(super) struct Walk<'a> {
    chain: &'a Chain,
    head: ChainHead,
}

/// How a stored event breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breach {
    /// The event is missing: the next stored row has another number.
    Missing {
        /// The number of the row found instead (none: the log ends).
        found: Option<u64>,
    },
    /// The event's stored link does not match its body and the link before it: the body, the
    /// link or an earlier event was changed.
    Altered,
    /// The event has no (readable) stored link.
    NoLink,
}

impl fmt::Display for Breach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Breach::Missing { found: Some(n) } => {
                write!(f, "the event is missing (the next stored event is {n})")
            }
            Breach::Missing { found: None } => write!(f, "the event is missing"),
            Breach::Altered => write!(
                f,
                "the event's stored hash does not match its body and the hash before it"
            ),
            Breach::NoLink => write!(f, "the event has no stored hash"),
        }
    }
}

impl<'a> Walk<'a> {
    /// A walk continuing after `head`.
    pub(super) fn after(chain: &'a Chain, head: ChainHead) -> Self {
        Walk { chain, head }
    }

    /// Checks the next stored row (`seq`, `body`, `stored` link); `Err((seq, why))` names the
    /// first event that breaks the chain.
    pub(super) fn step(
        &mut self,
        seq: i64,
        body: &[u8],
        stored: Option<&str>,
    ) -> Result<(), (u64, Breach)> {
        let next = self.head.seq.saturating_add(1);
        if u64::try_from(seq).ok() != Some(next) {
            let found = u64::try_from(seq).ok();
            return Err((next, Breach::Missing { found }));
        }
        let stored = stored.and_then(from_hex).ok_or((next, Breach::NoLink))?;
        let hash = self.chain.link(&self.head.hash, next, body);
        if hash != stored {
            return Err((next, Breach::Altered));
        }
        self.head = ChainHead { seq: next, hash };
        Ok(())
    }

    /// Where the walk stands.
    pub(super) fn head(&self) -> ChainHead {
        self.head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_links_are_what_sha256sum_and_openssl_compute_by_hand() {
        // `{ head -c 32 /dev/zero; printf '\x00\x00\x00\x00\x00\x00\x00\x01{}'; } | sha256sum`
        assert_eq!(
            to_hex(&Chain::plain().link(&GENESIS, 1, b"{}")),
            "1bad765d926feacace97a8ddcd329a1f4254c208affc1ba86b3c7d59e8fba83e"
        );
        // The same bytes through `openssl dgst -sha256 -hmac key`.
        assert_eq!(
            to_hex(&Chain::keyed("key").link(&GENESIS, 1, b"{}")),
            "cea237a8270b568a459f59b7e3fc7ffb8661a181ce5b2ccc16edbe54518f85a5"
        );
    }

    #[test]
    fn a_keyed_link_depends_on_the_key() {
        let a = Chain::keyed("one").link(&GENESIS, 1, b"{}");
        let b = Chain::keyed("two").link(&GENESIS, 1, b"{}");
        assert_ne!(a, b);
        assert_ne!(a, Chain::plain().link(&GENESIS, 1, b"{}"));
        assert_ne!(Chain::keyed("one").key_id(), Chain::keyed("two").key_id());
        assert_eq!(Chain::plain().key_id(), None);
    }

    #[test]
    fn hex_round_trips_and_rejects_what_is_not_a_link() {
        let h = Chain::plain().link(&GENESIS, 7, b"x");
        assert_eq!(from_hex(&to_hex(&h)), Some(h));
        assert_eq!(from_hex(&to_hex(&h).to_uppercase()), Some(h));
        assert_eq!(from_hex("00"), None);
        assert_eq!(from_hex(&"g".repeat(64)), None);
        assert_eq!(from_hex(&"é".repeat(32)), None);
    }
}
