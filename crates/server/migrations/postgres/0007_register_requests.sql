-- An owner's request for an extra register, permanent or for a season, and support's
-- decision: activated (the register it created) or refused (with the reason told the owner).
CREATE TABLE register_requests (
    id            BIGSERIAL   PRIMARY KEY,
    store_id      BIGINT      NOT NULL REFERENCES stores (id),
    label         TEXT        NOT NULL,
    season_from   DATE,
    season_until  DATE,
    status        TEXT        NOT NULL CHECK (status IN ('pending', 'activated', 'refused')),
    reason        TEXT,
    requested_by  BIGINT      NOT NULL REFERENCES users (id),
    requested_at  TIMESTAMPTZ NOT NULL,
    decided_by    BIGINT      REFERENCES users (id),
    decided_at    TIMESTAMPTZ,
    register_id   BIGINT      REFERENCES registers (id)
);
CREATE INDEX register_requests_by_store ON register_requests (store_id, id);
CREATE INDEX register_requests_pending ON register_requests (status, id);
