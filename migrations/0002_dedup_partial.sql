-- Only requests recorded while deduplication is on for their account carry a deduplication hash:
-- the index holds those rows alone. Its keys are keyed hashes, so each insert lands on a random
-- page; accounts that do not deduplicate no longer pay for it.
DROP INDEX transactions_dedup;
CREATE INDEX transactions_dedup ON transactions (account, dedup_h, processed_ms)
    WHERE dedup_h IS NOT NULL;
