-- finish (to failed): records the last error and ends the lease; no attempt is left or the error was final.
-- Inputs: $id, $lease_id, $last_error (JSON text of { message, stack?, name? } or NULL), $now (epoch ms),
--   $expires_at (epoch ms or NULL).
-- Returns: nothing; the caller reads the change count (1 applied, 0 stale lease).
-- Effects: state, last_error, finished_at = updated_at = $now, expires_at; lease cleared.
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET state = 'failed', last_error = $last_error, finished_at = $now, expires_at = $expires_at, updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
