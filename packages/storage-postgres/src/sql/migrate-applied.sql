-- migrate (step 3): which numbered migrations this schema already has.
-- No parameters. Returns rows (version integer), lowest first.
SELECT version FROM :"schema".migrations ORDER BY version;
