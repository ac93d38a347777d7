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

-- The first ticket, and the first closure, of each register whose hash or link did not
-- verify on ingest.
CREATE TABLE chain_breaks (
    register_id    BIGINT NOT NULL REFERENCES registers (id),
    record         TEXT NOT NULL CHECK (record IN ('ticket', 'closure')),
    first_sequence BIGINT NOT NULL,
    detected_at    TIMESTAMPTZ NOT NULL,
    session_id     BIGINT REFERENCES sync_sessions (id),
    PRIMARY KEY (register_id, record)
);

-- Ticket numbers a register skipped, as detected when later numbers arrived.
CREATE TABLE ticket_gaps (
    register_id    BIGINT NOT NULL REFERENCES registers (id),
    first_missing  BIGINT NOT NULL,
    last_missing   BIGINT NOT NULL,
    detected_at    TIMESTAMPTZ NOT NULL,
    session_id     BIGINT REFERENCES sync_sessions (id),
    explanation    TEXT,             -- the register's reason, when it gave one
    explained_at   TIMESTAMPTZ,
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

-- The settings each register last reported (not fiscal data: replaced at each report).
CREATE TABLE register_settings (
    register_id BIGINT PRIMARY KEY REFERENCES registers (id),
    settings    TEXT    NOT NULL, -- JSON of core::sync::RegisterSettings
    reported_at TIMESTAMPTZ NOT NULL
);

-- The store's shared-data log: every change any register pushed, in arrival order. The id is
-- the store's version number: a register's pull cursor is the last id it has seen.
CREATE TABLE store_changes (
    id                 BIGSERIAL PRIMARY KEY,
    store_id           BIGINT NOT NULL REFERENCES stores (id),
    origin_register_id BIGINT NOT NULL REFERENCES registers (id),
    change_id          TEXT    NOT NULL,
    kind               TEXT    NOT NULL,
    entity             TEXT    NOT NULL,
    payload            TEXT    NOT NULL, -- JSON of core::sync::Change
    at                 TIMESTAMPTZ NOT NULL,
    received_at        TIMESTAMPTZ NOT NULL,
    level_after        BIGINT,          -- stock or loyalty balance once applied
    UNIQUE (origin_register_id, change_id)
);
CREATE INDEX store_changes_by_store ON store_changes (store_id, id);

-- Running balances: the sums of the movements above.
CREATE TABLE stock_levels (
    store_id BIGINT NOT NULL REFERENCES stores (id),
    product  TEXT    NOT NULL,
    quantity BIGINT NOT NULL,
    PRIMARY KEY (store_id, product)
);
CREATE TABLE loyalty_balances (
    store_id BIGINT NOT NULL REFERENCES stores (id),
    customer TEXT    NOT NULL,
    points   BIGINT NOT NULL,
    PRIMARY KEY (store_id, customer)
);

-- Where each register's pull has reached in its store's change log.
CREATE TABLE register_cursors (
    register_id BIGINT PRIMARY KEY REFERENCES registers (id),
    cursor      BIGINT NOT NULL,
    pulled_at   TIMESTAMPTZ NOT NULL
);

-- The answer given to each push, by a digest of its batch: the same batch again gets the same
-- answer, byte for byte, whatever happened since.
CREATE TABLE push_receipts (
    register_id BIGINT NOT NULL REFERENCES registers (id),
    digest      TEXT    NOT NULL,
    response    TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL,
    PRIMARY KEY (register_id, digest)
);
