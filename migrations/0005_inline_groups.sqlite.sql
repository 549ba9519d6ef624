-- SQLite keeps a row of up to a page in the page: nothing to change (0005 is PostgreSQL's).
SELECT 1;
