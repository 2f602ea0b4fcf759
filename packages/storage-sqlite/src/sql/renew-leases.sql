-- renewLeases: extends one running job's lease.
-- Inputs: $id, $lease_id, $locked_until (epoch ms).
-- Returns: nothing; the caller reads the change count (1 renewed, 0 stale: the job was reclaimed or cancelled).
-- Effects: locked_until only: a renewal is bookkeeping, not a change to the job, so updated_at stays.
-- Invariant: compare-and-set on lease_id + state = 'processing'.
UPDATE {{jobs}}
SET locked_until = $locked_until
WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
