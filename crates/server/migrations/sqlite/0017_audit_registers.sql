-- The register an audit entry concerns (a request, an activation, an iPad, a decommission), so
-- the journal names it. Entries written before this migration name none: the log is
-- append-only, and no entry is rewritten to add it.
ALTER TABLE audit_log ADD COLUMN register_id INTEGER REFERENCES registers (id);
CREATE INDEX audit_by_event ON audit_log (event, id);
