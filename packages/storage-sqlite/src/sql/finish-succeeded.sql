-- finish (to succeeded): stores the handler's result and ends the lease.
-- Inputs: $id, $lease_id, $result (JSON text or NULL, stored as given), $now (epoch ms),
--   $expires_at (epoch ms or NULL: when the job may be purged).
-- Returns: nothing; the caller reads the change count (1 applied, 0 stale lease).
-- Effects: state, result, finished_at = updated_at = $now, expires_at; lease_id / locked_by / locked_until cleared.
-- Invariant: compare-and-set on lease_id + state = 'processing' (fencing: a reclaimed worker changes nothing).
UPDATE {{jobs}}
SET state = 'succeeded', result = $result, finished_at = $now, expires_at = $expires_at, updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
