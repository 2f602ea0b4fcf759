-- upsertRecurring: inserts a recurring definition or replaces every field of the stored one, except that the stored
-- created_at and last_run_at are always kept (the last firing is history, and overlap 'skip' reads it: a redeploy that
-- changes the schedule must still see a firing that runs), and the stored next_run_at is kept when cron and timezone
-- are unchanged (re-registering the same schedule at every start must not move its next firing).
-- $1 text id; $2 text cron; $3 text timezone; $4 text method; $5 text payload (JSON text); $6 text queue;
-- $7 integer priority; $8 integer max_attempts; $9 bigint timeout_ms (null = server default); $10 text metadata
-- (JSON text); $11 text misfire ('once' | 'skip'); $12 timestamptz next_run_at; $13 timestamptz last_run_at;
-- $14 timestamptz created_at; $15 timestamptz updated_at; $16 text overlap ('allow' | 'skip').
-- Returns the stored row.
INSERT INTO :"schema".recurring AS r (
  id, cron, timezone, method, payload, queue, priority, max_attempts, timeout_ms, metadata, misfire, next_run_at,
  last_run_at, created_at, updated_at, overlap
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
ON CONFLICT (id) DO UPDATE SET
  cron = excluded.cron,
  timezone = excluded.timezone,
  method = excluded.method,
  payload = excluded.payload,
  queue = excluded.queue,
  priority = excluded.priority,
  max_attempts = excluded.max_attempts,
  timeout_ms = excluded.timeout_ms,
  metadata = excluded.metadata,
  misfire = excluded.misfire,
  overlap = excluded.overlap,
  next_run_at = CASE
    WHEN r.cron = excluded.cron AND r.timezone = excluded.timezone THEN r.next_run_at ELSE excluded.next_run_at
  END,
  last_run_at = COALESCE(r.last_run_at, excluded.last_run_at),
  updated_at = excluded.updated_at
RETURNING *;
