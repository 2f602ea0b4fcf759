-- requeueExpiredLeases / reclaimDeadServers (step 2, attempts left): a processing job whose owner is gone ->
-- enqueued, due now, keeping the attempt it spent.
-- Inputs: $id, $now (epoch ms).
-- Returns: the requeued row; no row when the job has no attempt left (then lapse-fail.sql applies) or moved.
-- Effects: state = enqueued, run_at = updated_at = $now; lease cleared, so the old owner can never write again.
-- Invariant: compare-and-set on state = 'processing', inside the caller's BEGIN IMMEDIATE.
UPDATE {{jobs}}
SET state = 'enqueued', run_at = $now, updated_at = $now, lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND state = 'processing' AND attempt < max_attempts
RETURNING *
