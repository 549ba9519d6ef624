-- Records written together for one account may be sealed as one group (store::rows::prepare_batch):
-- the group is in `sealed` of its newest record (so the purge, which goes by time, never removes
-- it before the others), and every member names that row in `group_id` and its place in `part`.
-- Rows sealed alone keep both NULL.
ALTER TABLE transactions ADD COLUMN group_id TEXT;
ALTER TABLE transactions ADD COLUMN part BIGINT;
