-- migrate (step 1): serializes migrations of one schema across every process, so storages migrating at once
-- migrate once. Run first inside migrate's transaction; the lock is released at COMMIT / ROLLBACK.
-- $1 bigint: advisory lock key, derived from the schema name (see migrate.ts).
-- Returns one row; effect: holds the transaction-level advisory lock.
SELECT pg_advisory_xact_lock($1::bigint);
