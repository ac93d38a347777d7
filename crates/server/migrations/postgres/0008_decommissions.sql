-- A register's decommission wizard (core::decommission): the decisions recorded with who and
-- when. Steps 2 to 4 are read from the tickets, closures and syncs, never stored.
CREATE TABLE decommissions (
    id             BIGSERIAL   PRIMARY KEY,
    store_id       BIGINT      NOT NULL REFERENCES stores (id),
    register_id    BIGINT      NOT NULL REFERENCES registers (id),
    started_by     BIGINT      NOT NULL REFERENCES users (id),
    started_at     TIMESTAMPTZ NOT NULL,
    suspended_by   BIGINT      REFERENCES users (id),
    suspended_at   TIMESTAMPTZ,
    revoked_at     TIMESTAMPTZ,
    uninstalled_by BIGINT      REFERENCES users (id),
    uninstalled_at TIMESTAMPTZ,
    cancelled_by   BIGINT      REFERENCES users (id),
    cancelled_at   TIMESTAMPTZ
);
-- One wizard per register, unless cancelled: two owners starting at once, one wins.
CREATE UNIQUE INDEX decommissions_one_per_register ON decommissions (register_id)
    WHERE cancelled_at IS NULL;
CREATE INDEX decommissions_by_store ON decommissions (store_id, id);
