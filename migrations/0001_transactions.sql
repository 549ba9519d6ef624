-- One row per eligibility exchange. The same SQL runs on SQLite and PostgreSQL: BYTEA columns get
-- SQLite's default affinity (blobs are kept as they are), BIGINT is an integer on both.
-- What may hold PHI is in `sealed` (AES-256-GCM under key `key_id`); the fields searches and
-- deduplication match on are keyed hashes (`*_h`, HMAC-SHA256), never the values.
CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
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
    sealed BYTEA NOT NULL
);

CREATE INDEX transactions_account_time ON transactions (account, processed_ms);
CREATE INDEX transactions_dedup ON transactions (account, dedup_h, processed_ms);
CREATE INDEX transactions_time ON transactions (processed_ms);
