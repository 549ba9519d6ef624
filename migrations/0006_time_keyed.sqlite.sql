-- Rows are found by (account, processed time, id), one index: an id made by this version names
-- the time its transaction was processed (store::id_at), so a lookup by id goes through it too,
-- and the primary key on id (a B-tree of its own, written on every insert) goes. Rows whose id
-- does not name their time (all rows written before, and any other id) carry id_lookup = 1 and
-- are found through a partial index on id that holds them alone. Members of a group name their
-- holder's time (group_ms), so the holder is found through the same index. SQLite cannot drop
-- a primary key: the table is built again, its rows copied.
CREATE TABLE transactions_0006 (
    id TEXT NOT NULL,
    account TEXT NOT NULL,
    processed_ms BIGINT NOT NULL,
    route TEXT NOT NULL,
    status TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source_id TEXT,
    correlation_id TEXT,
    payer_id TEXT,
    npi TEXT,
    first_name_h BYTEA,
    last_name_h BYTEA,
    member_id_h BYTEA,
    birth_date_h BYTEA,
    account_number_h BYTEA,
    mrn_h BYTEA,
    dedup_h BYTEA,
    key_id TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    group_id TEXT,
    part BIGINT,
    group_ms BIGINT,
    id_lookup BIGINT
);
INSERT INTO transactions_0006 (id, account, processed_ms, route, status, source_type, source_id,
    correlation_id, payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h,
    account_number_h, mrn_h, dedup_h, key_id, sealed, group_id, part, group_ms, id_lookup)
SELECT id, account, processed_ms, route, status, source_type, source_id, correlation_id,
    payer_id, npi, first_name_h, last_name_h, member_id_h, birth_date_h, account_number_h, mrn_h,
    dedup_h, key_id, sealed, group_id, part, NULL, 1
FROM transactions;
DROP TABLE transactions;
ALTER TABLE transactions_0006 RENAME TO transactions;
CREATE INDEX transactions_account_time ON transactions (account, processed_ms, id);
CREATE INDEX transactions_id ON transactions (id) WHERE id_lookup IS NOT NULL;
CREATE INDEX transactions_dedup ON transactions (account, dedup_h, processed_ms)
    WHERE dedup_h IS NOT NULL;
