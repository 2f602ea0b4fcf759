-- requeueExpiredLeases / reclaimDeadServers (step 2, no attempt left): a processing job whose owner is gone ->
-- failed, so a job that kills its process cannot loop forever.
-- Inputs: $id, $now (epoch ms), $expires_at (epoch ms or NULL), $last_error (JSON text naming the reason).
-- Returns: the failed row; no row when attempts remain (then lapse-requeue.sql applies) or the job moved.
-- Effects: state = failed, finished_at = updated_at = $now, expires_at, last_error; lease cleared.
-- Invariant: compare-and-set on state = 'processing', inside the caller's BEGIN IMMEDIATE.
UPDATE {{jobs}}
SET state = 'failed', finished_at = $now, expires_at = $expires_at, last_error = $last_error, updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND state = 'processing' AND attempt >= max_attempts
RETURNING *
