-- What may be pruned once old (storage/pruning.rs). The audit log stays append-only, except
-- for failed sign-ins on an address no account has: a stranger's spray of addresses would
-- otherwise grow it without bound. Every entry that concerns an account stays forever.
DROP TRIGGER audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
WHEN NOT (OLD.subject_id IS NULL AND OLD.actor_id IS NULL
          AND OLD.event IN ('sign_in_failed', 'sign_in_throttled'))
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE INDEX audit_by_age ON audit_log (at);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sync_incidents_by_age ON sync_incidents (at);
