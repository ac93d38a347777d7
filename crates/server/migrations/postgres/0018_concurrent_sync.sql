-- Registers of a store sync at the same time (issue 20). Two things made the store-wide lease
-- necessary, and are replaced here.
--
-- 1. The store's change log was read by a global id, given when a row was inserted: on
--    PostgreSQL a push that took id 9 could commit after one that took id 10, and a register
--    that had pulled up to 10 never saw 9. Changes are now numbered per store, from a counter
--    row each push takes (and keeps locked) until it commits: a change with a lower number has
--    always committed before a higher one is handed out, and a pull never reads past the
--    counter it read first. Cursors count in the same numbers.
ALTER TABLE store_changes ADD COLUMN seq BIGINT;
UPDATE store_changes SET seq = numbered.n
  FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY store_id ORDER BY id) AS n
          FROM store_changes) AS numbered
 WHERE numbered.id = store_changes.id;
ALTER TABLE store_changes ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX store_changes_by_seq ON store_changes (store_id, seq);

CREATE TABLE store_change_heads (
    store_id BIGINT PRIMARY KEY REFERENCES stores (id),
    seq      BIGINT NOT NULL  -- the number of the store's last committed change
);
INSERT INTO store_change_heads (store_id, seq)
SELECT store_id, MAX(seq) FROM store_changes GROUP BY store_id;

UPDATE register_cursors SET cursor = COALESCE(
    (SELECT MAX(c.seq) FROM store_changes c JOIN registers r ON r.id = register_cursors.register_id
      WHERE c.store_id = r.store_id AND c.id <= register_cursors.cursor), 0);

-- 2. The lease is a register's own: it keeps two sessions of one register (an iPad and the
--    same iPad restarted) from interleaving their pushes; other registers sync meanwhile.
--    A session in progress during the upgrade loses its lease, and its next request says to
--    begin again.
DROP TABLE sync_leases;
CREATE TABLE sync_leases (
    register_id   BIGINT PRIMARY KEY REFERENCES registers (id),
    store_id      BIGINT NOT NULL REFERENCES stores (id),
    session_id    BIGINT NOT NULL REFERENCES sync_sessions (id),
    expires_at_ms BIGINT NOT NULL
);
CREATE INDEX sync_leases_by_store ON sync_leases (store_id);
