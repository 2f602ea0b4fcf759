-- retryFailed: puts a failed job back in its queue by hand.
-- $1 text: id; $2 timestamptz: now; $3 text: notify channel.
-- Returns the updated row, or no row when the job is missing or not failed (the caller reads it to say which).
-- Effects: failed -> enqueued, attempt 0, run_at = now, finished_at / expires_at cleared, last_error kept;
--   pg_notify(channel, queue). A unique_key now held by another unfinished job (even one committed concurrently)
--   makes the statement fail on jobs_unique_key_idx, changing nothing; the caller maps that to
--   UniqueKeyConflictError.
WITH retried AS (
  UPDATE :"schema".jobs
  SET state = 'enqueued', attempt = 0, run_at = $2, finished_at = NULL, expires_at = NULL, updated_at = $2
  WHERE id = $1 AND state = 'failed'
  RETURNING *
),
notified AS (
  SELECT count(pg_notify($3, r.queue)) AS sent FROM retried AS r
)
SELECT r.* FROM retried AS r CROSS JOIN notified;
