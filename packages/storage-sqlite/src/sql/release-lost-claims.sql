-- releaseLostClaims: hands back, as release does, a server's processing jobs under a lease it does not hold: the
-- jobs of a claim whose reply never reached it, so they never started.
-- Inputs: $server_id (locked_by), $held_lease_ids (JSON text array of the lease ids the server holds), $now (epoch ms).
-- Returns: the released rows (in no set order; the caller sorts them by id).
-- Effects: state = enqueued, attempt - 1 (never below 0: the attempt is refunded), updated_at = $now; lease cleared.
--   run_at is kept, so each job keeps its place at the head of its queue.
-- Invariant: only rows still processing, locked by $server_id and under a lease not in $held_lease_ids move; it runs
--   in one BEGIN IMMEDIATE, so a racing finish or sweep lands wholly before or after it. A lease it revokes is stale
--   from then on: every fenced write compares lease_id.
-- Index: {{jobs_locked_by_idx}} (locked_by, id) WHERE state = 'processing': reads only the server's jobs in flight.
UPDATE {{jobs}}
SET state = 'enqueued', attempt = MAX(attempt - 1, 0), updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE state = 'processing' AND locked_by = $server_id
  AND lease_id NOT IN (SELECT value FROM json_each($held_lease_ids))
RETURNING *
