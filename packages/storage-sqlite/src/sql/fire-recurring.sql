-- fireRecurring (step 1): moves a definition to its next run if it still holds the run time the caller read.
-- Inputs: $id, $expected_run_at (epoch ms, the next_run_at the caller read), $next_run_at (epoch ms), $now,
--   $fires (1 when a job is enqueued for this tick, 0 for a skipped tick, a stale one under misfire 'skip' or one
--   whose previous firing is unfinished under overlap 'skip': last_run_at then stays as it was).
-- Returns: nothing; the caller reads the change count. 1: this caller won and, when $fires = 1, enqueues the firing
--   (enqueue.sql) in the same BEGIN IMMEDIATE. 0: another server fired this tick first, the id is unknown, or $expected_run_at is
--   later than $now (a tick still to come is never fired); nothing changes.
-- Invariant: compare-and-set on next_run_at = $expected_run_at, so N servers racing fire each tick once.
UPDATE {{recurring}}
SET next_run_at = $next_run_at,
    last_run_at = CASE WHEN $fires = 1 THEN $expected_run_at ELSE last_run_at END,
    updated_at = $now
WHERE id = $id AND next_run_at = $expected_run_at AND $expected_run_at <= $now
