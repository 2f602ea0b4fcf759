-- recordProgress: stores the last progress a running handler reported.
-- Inputs: $id, $lease_id, $progress (number), $now (epoch ms).
-- Returns: nothing; the caller reads the change count (1 stored, 0 stale lease).
-- Effects: progress, updated_at.
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET progress = $progress, updated_at = $now
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
