-- Records of one account written together without a deduplication key are kept as one row here
-- (store::rows::in_group_rows): their details sealed as one value, and their plain fields and
-- keyed hashes listed beside it (`members`, store::members), no more than their rows in
-- `transactions` would hold in columns. One row and one index entry for a few dozen records,
-- where each took its own. The group row's id names its newest record's time (`last_ms`); its
-- records were processed within a minute of each other, from `first_ms` on, so a lookup by id
-- reads the rows ending within a minute after the id's time and starting before it, from the
-- index alone. Records with a deduplication key stay in `transactions`, where the duplicate
-- lookup's index is.
CREATE TABLE transaction_groups (
    id TEXT NOT NULL,
    account TEXT NOT NULL,
    first_ms BIGINT NOT NULL,
    last_ms BIGINT NOT NULL,
    key_id TEXT NOT NULL,
    sealed BYTEA NOT NULL,
    members BYTEA NOT NULL
);
CREATE INDEX transaction_groups_account_time
    ON transaction_groups (account, last_ms, first_ms, id);
