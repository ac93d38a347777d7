-- A register's decommission wizard (core::decommission): the decisions recorded with who and
-- when. Steps 2 to 4 are read from the tickets, closures and syncs, never stored.
CREATE TABLE decommissions (
    id             INTEGER PRIMARY KEY,
    store_id       INTEGER NOT NULL REFERENCES stores (id),
    register_id    INTEGER NOT NULL REFERENCES registers (id),
    started_by     INTEGER NOT NULL REFERENCES users (id),
    started_at     TEXT    NOT NULL,
    suspended_by   INTEGER REFERENCES users (id),
    suspended_at   TEXT,
    revoked_at     TEXT,
    uninstalled_by INTEGER REFERENCES users (id),
    uninstalled_at TEXT,
    cancelled_by   INTEGER REFERENCES users (id),
    cancelled_at   TEXT
);
-- One wizard per register, unless cancelled: two owners starting at once, one wins.
CREATE UNIQUE INDEX decommissions_one_per_register ON decommissions (register_id)
    WHERE cancelled_at IS NULL;
CREATE INDEX decommissions_by_store ON decommissions (store_id, id);
