-- Register enrolment and sync sessions.

-- One-time codes support hands out; a device exchanges one for a token. Only hashes are kept.
CREATE TABLE pairing_codes (
    code_hash   TEXT    PRIMARY KEY,
    register_id INTEGER NOT NULL REFERENCES registers (id),
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT
);

CREATE TABLE device_tokens (
    id             INTEGER PRIMARY KEY,
    register_id    INTEGER NOT NULL REFERENCES registers (id),
    token_hash     TEXT    NOT NULL UNIQUE,
    device_name    TEXT    NOT NULL,
    device_model   TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    revoked_at     TEXT,
    revoked_reason TEXT
);
CREATE INDEX device_tokens_by_register ON device_tokens (register_id);

-- The store's sync lease: at most one row per store, so at most one holder. Expiry is in
-- milliseconds since the epoch so both databases compare it as an integer.
CREATE TABLE sync_leases (
    store_id      INTEGER PRIMARY KEY REFERENCES stores (id),
    register_id   INTEGER NOT NULL REFERENCES registers (id),
    session_id    INTEGER NOT NULL REFERENCES sync_sessions (id),
    expires_at_ms INTEGER NOT NULL
);

-- The first ticket of each register whose hash or link did not verify on ingest.
CREATE TABLE chain_breaks (
    register_id    INTEGER PRIMARY KEY REFERENCES registers (id),
    first_sequence INTEGER NOT NULL,
    detected_at    TEXT    NOT NULL,
    session_id     INTEGER REFERENCES sync_sessions (id)
);

-- Ticket numbers a register skipped, as detected when later numbers arrived.
CREATE TABLE ticket_gaps (
    register_id    INTEGER NOT NULL REFERENCES registers (id),
    first_missing  INTEGER NOT NULL,
    last_missing   INTEGER NOT NULL,
    detected_at    TEXT    NOT NULL,
    session_id     INTEGER REFERENCES sync_sessions (id),
    PRIMARY KEY (register_id, first_missing)
);

-- What went wrong around syncs: refused simultaneous attempts, conflicting replays, revoked
-- or unknown tokens, expired leases.
CREATE TABLE sync_incidents (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER REFERENCES stores (id),
    register_id INTEGER REFERENCES registers (id),
    session_id  INTEGER REFERENCES sync_sessions (id),
    at          TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL
);
CREATE INDEX sync_incidents_by_store ON sync_incidents (store_id, at);
