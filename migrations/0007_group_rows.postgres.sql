-- PostgreSQL, after 0007_group_rows.sql: a group row is ~7 KB, kept whole in its page rather
-- than moved out to the TOAST table (see 0005).
ALTER TABLE transaction_groups SET (toast_tuple_target = 8160);
