-- Foundation schema. Money in integer cents, VAT rates in basis points, timestamps in UTC,
-- business dates in the store's time zone (YYYY-MM-DD).

CREATE TABLE stores (
    id                    INTEGER PRIMARY KEY,
    name                  TEXT    NOT NULL,
    siret                 TEXT    NOT NULL,
    address               TEXT    NOT NULL,
    vat_number            TEXT    NOT NULL,
    time_zone             TEXT    NOT NULL,
    fiscal_year_end_month INTEGER NOT NULL CHECK (fiscal_year_end_month BETWEEN 1 AND 12),
    created_at            TEXT    NOT NULL
);

CREATE TABLE registers (
    id           INTEGER PRIMARY KEY,
    store_id     INTEGER NOT NULL REFERENCES stores (id),
    number       INTEGER NOT NULL CHECK (number >= 1),
    label        TEXT    NOT NULL,
    kind         TEXT    NOT NULL CHECK (kind IN ('principal', 'extra')),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'decommission_requested', 'suspended')),
    created_at   TEXT    NOT NULL,
    activated_at TEXT,
    suspended_at TEXT,
    UNIQUE (store_id, number)
);

-- One row per ticket a register sent; the primary key is the register's own numbering.
CREATE TABLE tickets (
    register_id    INTEGER NOT NULL REFERENCES registers (id),
    sequence       INTEGER NOT NULL CHECK (sequence >= 1),
    kind           TEXT        NOT NULL CHECK (kind IN ('sale', 'refund')),
    issued_at      TEXT    NOT NULL,
    business_date  TEXT    NOT NULL,
    lines          TEXT    NOT NULL, -- JSON array of core::ticket::TicketLine
    payments       TEXT    NOT NULL, -- JSON array of core::ticket::Payment
    total_ttc      INTEGER NOT NULL,
    total_ht       INTEGER NOT NULL,
    total_vat      INTEGER NOT NULL,
    discount_total INTEGER NOT NULL,
    previous_hash  TEXT    NOT NULL,
    hash           TEXT    NOT NULL, -- as the register claimed it
    content_hash   TEXT    NOT NULL, -- as the server computed it from the content
    received_at    TEXT    NOT NULL,
    PRIMARY KEY (register_id, sequence)
);
CREATE INDEX tickets_by_business_date ON tickets (register_id, business_date);

-- Daily, monthly and annual Z as the register computed them.
CREATE TABLE closures (
    id                    INTEGER PRIMARY KEY,
    register_id           INTEGER NOT NULL REFERENCES registers (id),
    sequence              INTEGER NOT NULL CHECK (sequence >= 1), -- per register, all kinds
    kind                  TEXT    NOT NULL CHECK (kind IN ('daily', 'monthly', 'annual')),
    period_start          TEXT    NOT NULL,
    period_end            TEXT    NOT NULL,
    first_sequence        INTEGER,
    last_sequence         INTEGER,
    ticket_count          INTEGER NOT NULL,
    total_ttc             INTEGER NOT NULL,
    total_ht              INTEGER NOT NULL,
    vat_breakdown         TEXT    NOT NULL, -- JSON
    payments              TEXT    NOT NULL, -- JSON
    cancellations_ttc     INTEGER NOT NULL,
    period_grand_total    INTEGER NOT NULL,
    perpetual_grand_total INTEGER NOT NULL,
    last_ticket_hash      TEXT    NOT NULL,
    previous_hash         TEXT    NOT NULL,
    hash                  TEXT    NOT NULL,
    content_hash          TEXT NOT NULL,
    closed_at             TEXT NOT NULL,
    corrects_closure_id   INTEGER REFERENCES closures (id),
    received_at           TEXT    NOT NULL,
    CHECK (period_start <= period_end),
    UNIQUE (register_id, sequence)
);
CREATE INDEX closures_by_register ON closures (register_id, kind, period_start);

CREATE TABLE sync_sessions (
    id             INTEGER PRIMARY KEY,
    store_id       INTEGER NOT NULL REFERENCES stores (id),
    register_id    INTEGER NOT NULL REFERENCES registers (id),
    started_at     TEXT    NOT NULL,
    ended_at       TEXT,
    outcome        TEXT    NOT NULL CHECK (outcome IN ('in_progress', 'completed', 'refused', 'expired', 'failed')),
    tickets_pushed INTEGER NOT NULL DEFAULT 0,
    changes_pulled INTEGER NOT NULL DEFAULT 0,
    detail         TEXT
);
CREATE INDEX sync_sessions_by_register ON sync_sessions (register_id, started_at);

-- Fiscal records are inalterable (CGI art. 286-I-3° bis): corrections are new records.
CREATE TRIGGER tickets_no_update BEFORE UPDATE ON tickets
BEGIN SELECT RAISE(ABORT, 'tickets are inalterable: append a correction instead'); END;
CREATE TRIGGER tickets_no_delete BEFORE DELETE ON tickets
BEGIN SELECT RAISE(ABORT, 'tickets are inalterable: append a correction instead'); END;
CREATE TRIGGER closures_no_update BEFORE UPDATE ON closures
BEGIN SELECT RAISE(ABORT, 'closures are inalterable: append a correction instead'); END;
CREATE TRIGGER closures_no_delete BEFORE DELETE ON closures
BEGIN SELECT RAISE(ABORT, 'closures are inalterable: append a correction instead'); END;
