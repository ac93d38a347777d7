-- What needs attention in a shop (core::alerts): opened when the rule first finds it, cleared
-- when it no longer does, never deleted. An alert is the same one while its subject is open.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    store_id    INTEGER NOT NULL REFERENCES stores (id),
    register_id INTEGER NOT NULL REFERENCES registers (id),
    kind        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    detail      TEXT    NOT NULL, -- JSON core::alerts::AlertDetail
    since       TEXT    NOT NULL, -- when its cause began
    opened_at   TEXT    NOT NULL,
    cleared_at  TEXT,
    mailed_at   TEXT
);
CREATE UNIQUE INDEX alerts_open ON alerts (store_id, subject) WHERE cleared_at IS NULL;
CREATE INDEX alerts_by_store ON alerts (store_id, cleared_at);
