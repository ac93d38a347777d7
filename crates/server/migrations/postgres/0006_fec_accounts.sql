-- The accounts of a store's sales journal (FEC), when its owner changed the French defaults
-- (core::fec::FecAccounts::default). Settings, not fiscal data: replaced when changed.
CREATE TABLE store_fec_accounts (
    store_id   BIGINT      PRIMARY KEY REFERENCES stores (id),
    accounts   TEXT        NOT NULL, -- JSON of core::fec::FecAccounts
    updated_at TIMESTAMPTZ NOT NULL
);
