-- upsertRecurring: inserts a recurring definition or replaces every field of the stored one, except that the stored
-- created_at and last_run_at are always kept (the last firing is history, and overlap 'skip' reads it: a redeploy that
-- changes the schedule must still see a firing that runs), and next_run_at is kept when cron and timezone are
-- unchanged (so redeploying the same schedule neither skips nor repeats a firing).
-- Inputs: $id, $cron, $timezone, $method, $payload (JSON text), $queue, $priority, $max_attempts,
--   $timeout_ms (ms or NULL), $metadata (JSON text), $misfire ('once' | 'skip'), $overlap ('allow' | 'skip'),
--   $next_run_at, $last_run_at (or NULL), $created_at, $updated_at (epoch ms).
-- Returns: the stored row. Note: on the right of SET, bare column names are the stored (old) values.
INSERT INTO {{recurring}} (
  id, cron, timezone, method, payload, queue, priority, max_attempts, timeout_ms, metadata, misfire, overlap,
  next_run_at, last_run_at, created_at, updated_at
)
VALUES (
  $id, $cron, $timezone, $method, $payload, $queue, $priority, $max_attempts, $timeout_ms, $metadata, $misfire,
  $overlap, $next_run_at, $last_run_at, $created_at, $updated_at
)
ON CONFLICT (id) DO UPDATE SET
  cron = excluded.cron, timezone = excluded.timezone, method = excluded.method, payload = excluded.payload,
  queue = excluded.queue, priority = excluded.priority, max_attempts = excluded.max_attempts,
  timeout_ms = excluded.timeout_ms, metadata = excluded.metadata, misfire = excluded.misfire,
  overlap = excluded.overlap,
  updated_at = excluded.updated_at,
  next_run_at = CASE WHEN cron = excluded.cron AND timezone = excluded.timezone
                     THEN next_run_at ELSE excluded.next_run_at END,
  last_run_at = COALESCE(last_run_at, excluded.last_run_at)
RETURNING *
