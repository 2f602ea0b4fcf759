-- migrate: the highest migration version applied so far.
-- Inputs: none. Returns: one row { version } (0 on a fresh database).
SELECT COALESCE(MAX(version), 0) AS version FROM {{migrations}}
