-- The notification outbox's delivery record (outbox/store/postgres.rs), as SQLite keeps it
-- beside its log: each notification taken once by one host, one row per delivery to make.
CREATE TABLE IF NOT EXISTS outbox_notification (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL DEFAULT '',
    enqueued_at TEXT NOT NULL,
    body        TEXT
);
CREATE TABLE IF NOT EXISTS outbox_delivery (
    -- The order deliveries were recorded in, for "oldest first".
    ord             BIGSERIAL UNIQUE,
    key             TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL,
    channel         TEXT NOT NULL,
    destination     TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX IF NOT EXISTS outbox_delivery_due ON outbox_delivery (state, next_attempt_ms);
