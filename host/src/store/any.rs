//! Where a host's log lives, SQLite file or PostgreSQL database, and the store over either:
//! what `serve` opens from `--db FILE` or `--database postgres://…`.

use std::fmt;
use std::path::PathBuf;

use pim_core::Event;

use super::{
    ChainHead, ClockWitness, PostgresStore, Snapshot, SqliteStore, Store, StoreError, StoreOptions,
};

/// A log's database.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user@host:port/db`) or key=value string.
    Postgres(String),
}

impl Database {
    /// `sqlite` or `postgres`.
    pub fn kind(&self) -> &'static str {
        match self {
            Database::Sqlite(_) => "sqlite",
            Database::Postgres(_) => "postgres",
        }
    }

    /// Opens the store (a new connection each call).
    pub fn open(&self, options: &StoreOptions) -> Result<AnyStore, StoreError> {
        Ok(match self {
            Database::Sqlite(path) => {
                AnyStore::Sqlite(Box::new(SqliteStore::open_with(path, options)?))
            }
            Database::Postgres(url) => {
                AnyStore::Postgres(Box::new(PostgresStore::connect(url, options)?))
            }
        })
    }
}

impl fmt::Display for Database {
    /// The file, or the URL without its password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({self})", self.kind())
    }
}

/// `url` with the password of its user info (`user:password@`) replaced by `***`; a
/// key=value string with its `password=` value replaced.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some((userinfo, host)) = authority.rsplit_once('@')
            && let Some((user, _)) = userinfo.split_once(':')
        {
            return format!("{scheme}://{user}:***@{host}{tail}");
        }
        return url.to_owned();
    }
    url.split_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some(("password", _)) => "password=***".to_owned(),
            _ => kv.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A store over either database.
#[derive(Debug)]
pub enum AnyStore {
    /// A SQLite file.
    Sqlite(Box<SqliteStore>),
    /// A PostgreSQL database.
    Postgres(Box<PostgresStore>),
}

impl AnyStore {
    /// The chain's kind: `sha256` or `hmac-sha256`.
    pub fn chain_kind(&self) -> &'static str {
        match self {
            AnyStore::Sqlite(s) => s.chain_kind(),
            AnyStore::Postgres(s) => s.chain_kind(),
        }
    }
}

/// Calls the same method on whichever store it is.
macro_rules! each {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call,
            AnyStore::Postgres($s) => $call,
        }
    };
}

impl Store for AnyStore {
    fn head(&mut self) -> Result<u64, StoreError> {
        each!(self, s => s.head())
    }
    fn events_after(&mut self, seq: u64) -> Result<Vec<Event>, StoreError> {
        each!(self, s => s.events_after(seq))
    }
    fn events_between(&mut self, seq: u64, last: u64) -> Result<Vec<Event>, StoreError> {
        each!(self, s => s.events_between(seq, last))
    }
    fn append(&mut self, expected: u64, events: &[Event]) -> Result<u64, StoreError> {
        each!(self, s => s.append(expected, events))
    }
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        each!(self, s => s.save_snapshot(snapshot))
    }
    fn latest_snapshot(&mut self, guest: &str) -> Result<Option<Snapshot>, StoreError> {
        each!(self, s => s.latest_snapshot(guest))
    }
    fn verify(&mut self) -> Result<ChainHead, StoreError> {
        each!(self, s => s.verify())
    }
    fn is_read_only(&self) -> bool {
        each!(self, s => s.is_read_only())
    }
    fn kind(&self) -> &'static str {
        each!(self, s => s.kind())
    }
    fn reads_on_async_threads(&self) -> bool {
        each!(self, s => s.reads_on_async_threads())
    }
    fn put_witness(&mut self, witness: &ClockWitness) -> Result<(), StoreError> {
        each!(self, s => s.put_witness(witness))
    }
    fn witnesses(&mut self) -> Result<Vec<ClockWitness>, StoreError> {
        each!(self, s => s.witnesses())
    }
    fn remove_witness(&mut self, host: &str) -> Result<(), StoreError> {
        each!(self, s => s.remove_witness(host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_shows() {
        assert_eq!(
            redact("postgres://pim:s3cret@db:5432/pim?sslmode=disable"),
            "postgres://pim:***@db:5432/pim?sslmode=disable"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact("host=db user=pim password=s3cret"),
            "host=db user=pim password=***"
        );
    }
}
