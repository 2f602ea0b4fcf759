-- finish (to awaiting_retry): records the error and when to try again; promoteDue re-enqueues it at $run_at.
-- Inputs: $id, $lease_id, $last_error (JSON text or NULL), $run_at (epoch ms of the next try), $now (epoch ms).
-- Returns: nothing; the caller reads the change count (1 applied, 0 stale lease).
-- Effects: state, last_error, run_at, updated_at = $now; lease cleared; finished_at untouched (not finished).
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET state = 'awaiting_retry', last_error = $last_error, run_at = $run_at, updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
