-- The purge goes account by account along transactions_account_time (store::rows::purge), so
-- nothing reads this index any more; it cost every insert a B-tree of its own.
DROP INDEX transactions_time;
