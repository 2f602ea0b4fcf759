-- finish (to scheduled): a snooze. The handler asked to run again later, so the attempt it ran under is refunded and
-- promoteDue re-enqueues the job at $run_at; a later claim takes the same attempt number again.
-- Inputs: $id, $lease_id, $run_at (epoch ms when it is due again), $now (epoch ms).
-- Returns: nothing; the caller reads the change count (1 applied, 0 stale lease).
-- Effects: state, attempt - 1 (never below 0), run_at, updated_at = $now; lease cleared; result, finished_at and
--   expires_at NULL (not finished); last_error untouched (an earlier attempt's error stays).
-- Invariant: compare-and-set on lease_id + state = 'processing'.
-- Index: the job enters {{jobs_due_idx}} (run_at, id) WHERE state IN ('scheduled', 'awaiting_retry'), as an
--   enqueue for later does.
UPDATE {{jobs}}
SET state = 'scheduled', attempt = MAX(attempt - 1, 0), run_at = $run_at, updated_at = $now,
    result = NULL, finished_at = NULL, expires_at = NULL,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
