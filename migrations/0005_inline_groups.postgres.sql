-- PostgreSQL moves a value out of its row (TOAST: first a pglz attempt, useless on ciphertext,
-- then chunks in a table and an index of their own) once a row passes ~2 KB. A group sealed in
-- its holder's row is ~3.4 KB: toasting each one was a fifth of the server's work per record
-- (profiled). Rows now stay whole up to the page's limit; larger ones are still toasted.
ALTER TABLE transactions SET (toast_tuple_target = 8160);
