-- What needs attention in a shop (core::alerts): opened when the rule first finds it, cleared
-- when it no longer does, never deleted. An alert is the same one while its subject is open.
CREATE TABLE alerts (
    id          BIGSERIAL PRIMARY KEY,
    store_id    BIGINT      NOT NULL REFERENCES stores (id),
    register_id BIGINT      NOT NULL REFERENCES registers (id),
    kind        TEXT        NOT NULL,
    subject     TEXT        NOT NULL,
    detail      TEXT        NOT NULL, -- JSON core::alerts::AlertDetail
    since       TIMESTAMPTZ NOT NULL, -- when its cause began
    opened_at   TIMESTAMPTZ NOT NULL,
    cleared_at  TIMESTAMPTZ,
    mailed_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX alerts_open ON alerts (store_id, subject) WHERE cleared_at IS NULL;
CREATE INDEX alerts_by_store ON alerts (store_id, cleared_at);
