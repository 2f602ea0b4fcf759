-- migrate: records one applied migration, in the same transaction that ran it.
-- Inputs: $version (integer), $name (the file name without .sql), $applied_at (epoch ms, from the Clock).
-- Effects: inserts one {{migrations}} row.
INSERT INTO {{migrations}} (version, name, applied_at) VALUES ($version, $name, $applied_at)
