-- promoteDue (step 2): one due job -> enqueued. run_at is kept, so a retry due at T sorts before a job enqueued
-- after T at the same priority.
-- Inputs: $id, $now (epoch ms).
-- Returns: the promoted row; no row if it moved meanwhile.
-- Effects: state = enqueued, updated_at. Invariant: compare-and-set on state; same BEGIN IMMEDIATE as step 1.
UPDATE {{jobs}}
SET state = 'enqueued', updated_at = $now
WHERE id = $id AND state IN ('scheduled', 'awaiting_retry')
RETURNING *
