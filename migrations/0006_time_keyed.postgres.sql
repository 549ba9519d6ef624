-- Rows are found by (account, processed time, id), one index: an id made by this version names
-- the time its transaction was processed (store::id_at), so a lookup by id goes through it too,
-- and the primary key on id (an index of its own, written on every insert) goes. Rows whose id
-- does not name their time (all rows written before, and any other id) carry id_lookup = 1 and
-- are found through a partial index on id that holds them alone. Members of a group name their
-- holder's time (group_ms), so the holder is found through the same index. In place: the new
-- columns cost no rewrite (existing rows read the dropped default, 1; new rows say theirs).
ALTER TABLE transactions ADD COLUMN group_ms BIGINT;
ALTER TABLE transactions ADD COLUMN id_lookup BIGINT DEFAULT 1;
ALTER TABLE transactions ALTER COLUMN id_lookup DROP DEFAULT;
ALTER TABLE transactions DROP CONSTRAINT transactions_pkey;
CREATE INDEX transactions_id ON transactions (id) WHERE id_lookup IS NOT NULL;
DROP INDEX transactions_account_time;
CREATE INDEX transactions_account_time ON transactions (account, processed_ms, id);
