-- Foundation schema. Money in integer cents, VAT rates in basis points, timestamps in UTC,
-- business dates in the store's time zone.

CREATE TABLE stores (
    id                    BIGSERIAL PRIMARY KEY,
    name                  TEXT        NOT NULL,
    siret                 TEXT        NOT NULL,
    address               TEXT        NOT NULL,
    vat_number            TEXT        NOT NULL,
    time_zone             TEXT        NOT NULL,
    fiscal_year_end_month INTEGER     NOT NULL CHECK (fiscal_year_end_month BETWEEN 1 AND 12),
    created_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE registers (
    id           BIGSERIAL PRIMARY KEY,
    store_id     BIGINT      NOT NULL REFERENCES stores (id),
    number       INTEGER     NOT NULL CHECK (number >= 1),
    label        TEXT        NOT NULL,
    kind         TEXT        NOT NULL CHECK (kind IN ('principal', 'extra')),
    status       TEXT        NOT NULL CHECK (status IN ('pending', 'active', 'decommission_requested', 'suspended')),
    created_at   TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ,
    suspended_at TIMESTAMPTZ,
    UNIQUE (store_id, number)
);

CREATE TABLE tickets (
    register_id    BIGINT      NOT NULL REFERENCES registers (id),
    sequence       BIGINT      NOT NULL CHECK (sequence >= 1),
    kind           TEXT        NOT NULL CHECK (kind IN ('sale', 'refund')),
    issued_at      TIMESTAMPTZ NOT NULL,
    business_date  DATE        NOT NULL,
    lines          TEXT        NOT NULL,
    payments       TEXT        NOT NULL,
    total_ttc      BIGINT      NOT NULL,
    total_ht       BIGINT      NOT NULL,
    total_vat      BIGINT      NOT NULL,
    discount_total BIGINT      NOT NULL,
    previous_hash  TEXT        NOT NULL,
    hash           TEXT        NOT NULL, -- as the register claimed it
    content_hash   TEXT        NOT NULL, -- as the server computed it from the content
    received_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (register_id, sequence)
);
CREATE INDEX tickets_by_business_date ON tickets (register_id, business_date);

CREATE TABLE closures (
    id                    BIGSERIAL PRIMARY KEY,
    register_id           BIGINT      NOT NULL REFERENCES registers (id),
    sequence              BIGINT NOT NULL CHECK (sequence >= 1), -- per register, all kinds
    kind                  TEXT        NOT NULL CHECK (kind IN ('daily', 'monthly', 'annual')),
    period_start          DATE        NOT NULL,
    period_end            DATE        NOT NULL,
    first_sequence        BIGINT,
    last_sequence         BIGINT,
    ticket_count          BIGINT      NOT NULL,
    total_ttc             BIGINT      NOT NULL,
    total_ht              BIGINT      NOT NULL,
    vat_breakdown         TEXT        NOT NULL,
    payments              TEXT        NOT NULL,
    cancellations_ttc     BIGINT      NOT NULL,
    period_grand_total    BIGINT      NOT NULL,
    perpetual_grand_total BIGINT      NOT NULL,
    last_ticket_hash      TEXT        NOT NULL,
    previous_hash         TEXT        NOT NULL,
    hash                  TEXT        NOT NULL,
    content_hash          TEXT NOT NULL,
    closed_at             TIMESTAMPTZ NOT NULL,
    corrects_closure_id   BIGINT REFERENCES closures (id),
    received_at           TIMESTAMPTZ NOT NULL,
    CHECK (period_start <= period_end),
    UNIQUE (register_id, sequence)
);
CREATE INDEX closures_by_register ON closures (register_id, kind, period_start);

CREATE TABLE sync_sessions (
    id             BIGSERIAL PRIMARY KEY,
    store_id       BIGINT      NOT NULL REFERENCES stores (id),
    register_id    BIGINT      NOT NULL REFERENCES registers (id),
    started_at     TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ,
    outcome        TEXT        NOT NULL CHECK (outcome IN ('in_progress', 'completed', 'refused', 'expired', 'failed')),
    tickets_pushed BIGINT      NOT NULL DEFAULT 0,
    changes_pulled BIGINT      NOT NULL DEFAULT 0,
    detail         TEXT
);
CREATE INDEX sync_sessions_by_register ON sync_sessions (register_id, started_at);

-- Fiscal records are inalterable (CGI art. 286-I-3° bis): corrections are new records.
CREATE FUNCTION refuse_fiscal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are inalterable: append a correction instead', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER tickets_inalterable BEFORE UPDATE OR DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION refuse_fiscal_change();
CREATE TRIGGER closures_inalterable BEFORE UPDATE OR DELETE ON closures
    FOR EACH ROW EXECUTE FUNCTION refuse_fiscal_change();
