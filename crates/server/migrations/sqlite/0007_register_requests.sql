-- An owner's request for an extra register, permanent or for a season, and support's
-- decision: activated (the register it created) or refused (with the reason told the owner).
CREATE TABLE register_requests (
    id            INTEGER PRIMARY KEY,
    store_id      INTEGER NOT NULL REFERENCES stores (id),
    label         TEXT    NOT NULL,
    season_from   TEXT,
    season_until  TEXT,
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'activated', 'refused')),
    reason        TEXT,
    requested_by  INTEGER NOT NULL REFERENCES users (id),
    requested_at  TEXT    NOT NULL,
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TEXT,
    register_id   INTEGER REFERENCES registers (id)
);
CREATE INDEX register_requests_by_store ON register_requests (store_id, id);
CREATE INDEX register_requests_pending ON register_requests (status, id);
