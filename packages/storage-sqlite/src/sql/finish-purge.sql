-- finish (purge: true, a TTL of 0): deletes the job in the write that finishes it.
-- Inputs: $id, $lease_id.
-- Returns: nothing; the caller reads the change count (1 applied, 0 stale lease).
-- Invariant: compare-and-set on lease_id + state = 'processing'.
DELETE FROM {{jobs}} WHERE id = $id AND lease_id = $lease_id AND state = 'processing'
