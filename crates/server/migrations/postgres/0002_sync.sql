-- Register enrolment and sync sessions.

-- One-time codes support hands out; a device exchanges one for a token. Only hashes are kept.
CREATE TABLE pairing_codes (
    code_hash   TEXT PRIMARY KEY,
    register_id BIGINT NOT NULL REFERENCES registers (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ
);

CREATE TABLE device_tokens (
    id             BIGSERIAL PRIMARY KEY,
    register_id    BIGINT NOT NULL REFERENCES registers (id),
    token_hash     TEXT NOT NULL UNIQUE,
    device_name    TEXT NOT NULL,
    device_model   TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    revoked_reason TEXT
);
CREATE INDEX device_tokens_by_register ON device_tokens (register_id);

-- The store's sync lease: at most one row per store, so at most one holder. Expiry is in
-- milliseconds since the epoch so both databases compare it as an integer.
CREATE TABLE sync_leases (
    store_id      BIGINT PRIMARY KEY REFERENCES stores (id),
    register_id   BIGINT NOT NULL REFERENCES registers (id),
    session_id    BIGINT NOT NULL REFERENCES sync_sessions (id),
    expires_at_ms BIGINT NOT NULL
);

-- The first ticket of each register whose hash or link did not verify on ingest.
CREATE TABLE chain_breaks (
    register_id    BIGINT PRIMARY KEY REFERENCES registers (id),
    first_sequence BIGINT NOT NULL,
    detected_at    TIMESTAMPTZ NOT NULL,
    session_id     BIGINT REFERENCES sync_sessions (id)
);

-- Ticket numbers a register skipped, as detected when later numbers arrived.
CREATE TABLE ticket_gaps (
    register_id    BIGINT NOT NULL REFERENCES registers (id),
    first_missing  BIGINT NOT NULL,
    last_missing   BIGINT NOT NULL,
    detected_at    TIMESTAMPTZ NOT NULL,
    session_id     BIGINT REFERENCES sync_sessions (id),
    PRIMARY KEY (register_id, first_missing)
);

-- What went wrong around syncs: refused simultaneous attempts, conflicting replays, revoked
-- or unknown tokens, expired leases.
CREATE TABLE sync_incidents (
    id          BIGSERIAL PRIMARY KEY,
    store_id    BIGINT REFERENCES stores (id),
    register_id BIGINT REFERENCES registers (id),
    session_id  BIGINT REFERENCES sync_sessions (id),
    at          TIMESTAMPTZ NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL
);
CREATE INDEX sync_incidents_by_store ON sync_incidents (store_id, at);
