-- What may be pruned once old (storage/pruning.rs). The audit log stays append-only, except
-- for failed sign-ins on an address no account has: a stranger's spray of addresses would
-- otherwise grow it without bound. Every entry that concerns an account stays forever.
CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.subject_id IS NULL AND OLD.actor_id IS NULL
       AND OLD.event IN ('sign_in_failed', 'sign_in_throttled') THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE INDEX audit_by_age ON audit_log (at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sync_incidents_by_age ON sync_incidents (at);
