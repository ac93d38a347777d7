-- Sign-in throttle records (per email address, known or not, and per client address) are
-- pruned once older than the failure window: an index keeps that cheap.
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (last_failure_at);
