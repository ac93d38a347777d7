-- How fresh each register is (see core::freshness), kept up to date by the transactions of the
-- sync itself (begin, push, pull, end, pairing, revocation), so that the dashboard and the
-- support fleet view read one row per register instead of aggregating every session and every
-- shared change of every store.
CREATE TABLE register_sync_status (
    register_id           INTEGER PRIMARY KEY REFERENCES registers (id),
    store_id              INTEGER NOT NULL REFERENCES stores (id),
    last_sync_at          TEXT,             -- end of the last completed sync
    last_attempt_at       TEXT,
    last_attempt_outcome  TEXT,
    behind                INTEGER NOT NULL DEFAULT 0, -- other registers' changes not pulled yet
    pending_local_changes INTEGER,          -- as last reported; NULL: never reported
    device_revoked_at     TEXT              -- set when its last device token was revoked
);
CREATE INDEX register_sync_status_by_store ON register_sync_status (store_id);

-- Which register held the lease when an attempt was refused.
ALTER TABLE sync_sessions ADD COLUMN blocked_by_register_id INTEGER REFERENCES registers (id);
CREATE INDEX sync_sessions_by_store ON sync_sessions (store_id, started_at);

INSERT INTO register_sync_status (register_id, store_id, last_sync_at, last_attempt_at,
                                  last_attempt_outcome, behind, pending_local_changes,
                                  device_revoked_at)
SELECT r.id, r.store_id,
       (SELECT MAX(s.ended_at) FROM sync_sessions s
         WHERE s.register_id = r.id AND s.outcome = 'completed'),
       (SELECT MAX(s.started_at) FROM sync_sessions s WHERE s.register_id = r.id),
       (SELECT s.outcome FROM sync_sessions s WHERE s.register_id = r.id ORDER BY s.id DESC LIMIT 1),
       (SELECT COUNT(*) FROM store_changes c
         WHERE c.store_id = r.store_id AND c.origin_register_id <> r.id
           AND c.id > COALESCE((SELECT k.cursor FROM register_cursors k WHERE k.register_id = r.id), 0)),
       (SELECT json_extract(rs.settings, '$.pending_local_changes') FROM register_settings rs
         WHERE rs.register_id = r.id),
       CASE WHEN EXISTS (SELECT 1 FROM device_tokens d WHERE d.register_id = r.id)
             AND NOT EXISTS (SELECT 1 FROM device_tokens d WHERE d.register_id = r.id AND d.revoked_at IS NULL)
            THEN (SELECT MAX(d.revoked_at) FROM device_tokens d WHERE d.register_id = r.id) END
FROM registers r;
