-- migrate (step 4): records one migration as applied, in the same transaction that applied it.
-- $1 integer: version (the file's number); $2 text: file name without .sql; $3 timestamptz: now (storage clock).
-- Effects: one row in :"schema".migrations; the primary key rejects a second copy.
INSERT INTO :"schema".migrations (version, name, applied_at) VALUES ($1, $2, $3);
