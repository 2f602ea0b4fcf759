-- fireRecurring (step 1 of its transaction): claims one tick of a recurring definition by compare-and-set on
-- next_run_at, so of N servers racing on the same tick exactly one wins; when the tick fires, the winner then runs
-- enqueue.sql for the firing's job in the same transaction, and a failed enqueue rolls the claim back.
-- $1 text: id; $2 timestamptz: expected next_run_at (what the caller read; compared to the millisecond, as stored);
-- $3 timestamptz: the new next_run_at; $4 boolean: true when the caller has a job to fire, false for a skipped
-- misfire; $5 timestamptz: now (updated_at); $6 text: the previous firing's unique key under overlap 'skip', or null.
-- Returns one row (fires boolean) when this caller won: fires = $4 and no unfinished job holds $6; the caller then
-- enqueues, and otherwise the tick is consumed unfired. No row: changed by a peer, no such id, or $2 later than $5
-- (a tick still to come is never fired).
-- Effects: next_run_at = $3; last_run_at = $2 when the tick fires, else kept; updated_at = $5.
-- Index: jobs_unique_key_idx (unique_key = $6 implies the index's IS NOT NULL, and the state list is the same).
-- Invariant: the overlap check and the compare-and-set are one statement; a peer racing the same tick waits on the
-- row lock and then finds next_run_at moved.
-- MATERIALIZED: the check runs once, where a subquery in FROM is inlined into both SET and RETURNING.
WITH tick AS MATERIALIZED (
  SELECT $4::boolean AND NOT EXISTS (
    SELECT 1 FROM :"schema".jobs
    WHERE unique_key = $6::text AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
  ) AS fires
)
UPDATE :"schema".recurring AS r
SET
  next_run_at = $3,
  last_run_at = CASE WHEN tick.fires THEN $2::timestamptz ELSE r.last_run_at END,
  updated_at = $5
FROM tick
WHERE r.id = $1 AND r.next_run_at = $2 AND $2::timestamptz <= $5::timestamptz
RETURNING tick.fires;
