-- Per register, where its last sound verification stopped (core::verification::VerifiedThrough):
-- the next one reads only the tickets after it. Derived data, replaced as the chain grows;
-- the seal is SHA-256 of the state chained on the hash of ticket through_sequence.
CREATE TABLE verification_checkpoints (
    register_id      INTEGER NOT NULL PRIMARY KEY REFERENCES registers (id),
    through_sequence INTEGER NOT NULL CHECK (through_sequence >= 1),
    state            TEXT NOT NULL,
    seal             TEXT NOT NULL,
    written_at       TEXT NOT NULL
);
