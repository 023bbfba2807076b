-- The event log, snapshots, the chain's metadata and the clock witnesses (store/postgres.rs).
-- Applied once by `pim-host migrate` or on a writing host's start; recorded in schema_migrations.
CREATE TABLE IF NOT EXISTS events (
    seq  BIGINT PRIMARY KEY,
    at   TEXT NOT NULL,
    body TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (
    seq       BIGINT NOT NULL,
    guest     TEXT NOT NULL,
    memory    BYTEA NOT NULL,
    head_hash TEXT NOT NULL,
    PRIMARY KEY (guest, seq)
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS clock_witnesses (
    host TEXT PRIMARY KEY,
    at   TEXT NOT NULL,
    beat BIGINT NOT NULL
);
