-- Accounts: people who sign in to the dashboard (owners, accountants, support staff), their
-- sessions, their access to stores, and the audit log of what happened to that access.

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    -- Lowercased and trimmed by the server before it gets here.
    email         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    -- An argon2id PHC string: algorithm, parameters and salt travel with the hash.
    password_hash TEXT    NOT NULL,
    is_support    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE memberships (
    id         BIGSERIAL PRIMARY KEY,
    store_id   BIGINT  NOT NULL REFERENCES stores (id),
    user_id    BIGINT  NOT NULL REFERENCES users (id),
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'accountant')),
    granted_at TIMESTAMPTZ NOT NULL,
    -- Revoked access is kept, dated, for the audit trail.
    revoked_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX memberships_live ON memberships (store_id, user_id) WHERE revoked_at IS NULL;
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE sessions (
    id           BIGSERIAL PRIMARY KEY,
    -- SHA-256 of the cookie's secret: a database leak does not hand out sessions.
    token_hash   TEXT    NOT NULL UNIQUE,
    user_id      BIGINT  NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ,
    ended_reason TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Failed sign-ins per email address, known or not, so both are slowed down alike.
CREATE TABLE sign_in_failures (
    email_key         TEXT    PRIMARY KEY,
    failures          BIGINT NOT NULL,
    last_failure_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE invitations (
    id           BIGSERIAL PRIMARY KEY,
    store_id     BIGINT  NOT NULL REFERENCES stores (id),
    email        TEXT    NOT NULL,
    role         TEXT    NOT NULL CHECK (role IN ('owner', 'accountant')),
    token_hash   TEXT    NOT NULL UNIQUE,
    invited_by   BIGINT  NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    accepted_at  TIMESTAMPTZ,
    accepted_by  BIGINT REFERENCES users (id),
    cancelled_at TIMESTAMPTZ
);
CREATE INDEX invitations_by_store ON invitations (store_id);

CREATE TABLE audit_log (
    id          BIGSERIAL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    event       TEXT    NOT NULL,
    store_id    BIGINT REFERENCES stores (id),
    -- Who acted (absent for a failed sign-in) and whom it concerned, as ids and as the
    -- email at the time, so the entry stays readable whatever happens to the account.
    actor_id    BIGINT REFERENCES users (id),
    actor_email TEXT,
    subject_id  BIGINT REFERENCES users (id),
    subject_email TEXT,
    -- The role granted, revoked or given, and the one before a change: shown translated.
    role        TEXT,
    previous_role TEXT,
    -- Technical context, in English (counts, reasons).
    detail      TEXT    NOT NULL
);
CREATE INDEX audit_by_store ON audit_log (store_id, id);
CREATE INDEX audit_by_subject ON audit_log (subject_id, id);

-- An audit log one can edit is not one.
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
