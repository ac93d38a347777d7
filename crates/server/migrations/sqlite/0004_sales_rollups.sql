-- Per register and local business day, what its tickets add up to: kept up to date by the
-- transaction that stores the tickets, so a sales report over any period reads
-- O(days × registers) rows instead of every ticket. Amounts in cents, net of refunds.

CREATE TABLE register_day_sales (
    register_id   INTEGER NOT NULL REFERENCES registers (id),
    business_date TEXT    NOT NULL,
    sale_count    INTEGER NOT NULL,
    refund_count  INTEGER NOT NULL,
    ttc           INTEGER NOT NULL,
    ht            INTEGER NOT NULL,
    vat           INTEGER NOT NULL,
    refund_ttc    INTEGER NOT NULL,
    discounts     INTEGER NOT NULL,
    -- Net amount per payment method: the methods are a closed list (core::ticket::
    -- PaymentMethod), and columns save a report a join per method and day.
    card          INTEGER NOT NULL,
    cash          INTEGER NOT NULL,
    cheque        INTEGER NOT NULL,
    gift_voucher  INTEGER NOT NULL,
    PRIMARY KEY (register_id, business_date)
);

CREATE TABLE register_day_rates (
    register_id   INTEGER NOT NULL REFERENCES registers (id),
    business_date TEXT    NOT NULL,
    rate_bp       INTEGER NOT NULL,
    ttc           INTEGER NOT NULL,
    ht            INTEGER NOT NULL,
    vat           INTEGER NOT NULL,
    PRIMARY KEY (register_id, business_date, rate_bp)
);

-- Hours are local hours (0–23) of the store's time zone.
CREATE TABLE register_day_hours (
    register_id   INTEGER NOT NULL REFERENCES registers (id),
    business_date TEXT    NOT NULL,
    hour          INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    tickets       INTEGER NOT NULL,
    ttc           INTEGER NOT NULL,
    ht            INTEGER NOT NULL,
    PRIMARY KEY (register_id, business_date, hour)
);
