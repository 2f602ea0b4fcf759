-- renewLeases: extends one running job's lease.
-- Inputs: $id, $lease_id, $locked_until (epoch ms), $now (epoch ms).
-- Returns: nothing; the caller reads the change count (1 renewed, 0 stale: the job was reclaimed or cancelled).
-- Effects: locked_until, updated_at.
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET locked_until = $locked_until, updated_at = $now
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
