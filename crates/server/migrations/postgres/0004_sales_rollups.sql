-- Per register and local business day, what its tickets add up to: kept up to date by the
-- transaction that stores the tickets, so a sales report over any period reads
-- O(days × registers) rows instead of every ticket. Amounts in cents, net of refunds.

CREATE TABLE register_day_sales (
    register_id   BIGINT  NOT NULL REFERENCES registers (id),
    business_date DATE    NOT NULL,
    sale_count    BIGINT  NOT NULL,
    refund_count  BIGINT  NOT NULL,
    ttc           BIGINT  NOT NULL,
    ht            BIGINT  NOT NULL,
    vat           BIGINT  NOT NULL,
    refund_ttc    BIGINT  NOT NULL,
    discounts     BIGINT  NOT NULL,
    -- Net amount per payment method: the methods are a closed list (core::ticket::
    -- PaymentMethod), and columns save a report a join per method and day.
    card          BIGINT  NOT NULL,
    cash          BIGINT  NOT NULL,
    cheque        BIGINT  NOT NULL,
    gift_voucher  BIGINT  NOT NULL,
    PRIMARY KEY (register_id, business_date)
);

CREATE TABLE register_day_rates (
    register_id   BIGINT  NOT NULL REFERENCES registers (id),
    business_date DATE    NOT NULL,
    rate_bp       BIGINT  NOT NULL,
    ttc           BIGINT  NOT NULL,
    ht            BIGINT  NOT NULL,
    vat           BIGINT  NOT NULL,
    PRIMARY KEY (register_id, business_date, rate_bp)
);

-- Hours are local hours (0–23) of the store's time zone.
CREATE TABLE register_day_hours (
    register_id   BIGINT  NOT NULL REFERENCES registers (id),
    business_date DATE    NOT NULL,
    hour          BIGINT  NOT NULL CHECK (hour BETWEEN 0 AND 23),
    tickets       BIGINT  NOT NULL,
    ttc           BIGINT  NOT NULL,
    ht            BIGINT  NOT NULL,
    PRIMARY KEY (register_id, business_date, hour)
);
