-- fetchAndLock (step 2): claims one enqueued job under a fresh lease.
-- Inputs: $id, $lease_id (a fresh random id, never reused), $server_id, $now (epoch ms), $locked_until (epoch ms).
-- Returns: the claimed row; no row if the job is no longer enqueued.
-- Effects: state = processing, attempt + 1 (spent at claim, so a job that kills its process still runs out of
--   attempts), lease_id, locked_by, locked_until, started_at = updated_at = $now.
-- Invariant: compare-and-set on state = 'enqueued'; runs in the same BEGIN IMMEDIATE as step 1.
UPDATE {{jobs}}
SET state = 'processing', attempt = attempt + 1, lease_id = $lease_id, locked_by = $server_id,
    locked_until = $locked_until, started_at = $now, updated_at = $now
WHERE id = $id AND state = 'enqueued'
RETURNING *
