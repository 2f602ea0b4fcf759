-- retryFailed: a failed job -> enqueued by hand, due now, every attempt available again; last_error is kept.
-- Inputs: $id, $now (epoch ms).
-- Returns: the updated row; no row when the job is missing or not failed (the caller tells which).
-- Effects: state, attempt = 0, run_at = $now, finished_at / expires_at cleared, updated_at.
UPDATE {{jobs}}
SET state = 'enqueued', attempt = 0, run_at = $now, finished_at = NULL, expires_at = NULL, updated_at = $now
WHERE id = $id AND state = 'failed'
RETURNING *
