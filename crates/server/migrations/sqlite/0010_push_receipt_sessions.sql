-- The sync session that received a batch: a replay in the same session is a late copy of
-- what the register said then, not news of now (see ingest::push).
ALTER TABLE push_receipts ADD COLUMN session_id BIGINT;
