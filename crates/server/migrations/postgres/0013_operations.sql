-- Running for real: the demo's mark, and accounts support can disable.

-- Set when `serve --demo` seeded this database: the demo starts again on its own data, and
-- is refused on a database that holds anything else.
CREATE TABLE demo_seeding (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    -- The generator's seed, as text: a u64 does not fit an integer column.
    seed      TEXT    NOT NULL,
    seeded_at TIMESTAMPTZ NOT NULL
);
-- A database the demo seeded before this mark existed holds the demo shop.
INSERT INTO demo_seeding (id, seed, seeded_at)
    SELECT 1, 'before-the-mark', MIN(created_at) FROM stores WHERE siret = '83214567600017'
    HAVING COUNT(*) > 0;

-- A disabled account cannot sign in and has no live session; it stays, with its audit.
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;
