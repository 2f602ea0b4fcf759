-- release: hands a running job back on graceful stop, refunding its attempt; run_at is kept, so the job keeps its
-- place at the head of its queue.
-- Inputs: $id, $lease_id, $now (epoch ms).
-- Returns: the released row; no row when the lease is stale.
-- Effects: state = enqueued, attempt - 1 (never below 0), updated_at; lease cleared.
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET state = 'enqueued', attempt = MAX(attempt - 1, 0), updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
RETURNING queue
