-- fireRecurring (step 1 of its transaction): claims one tick of a recurring definition by compare-and-set on
-- next_run_at, so of N servers racing on the same tick exactly one wins; when the tick fires, the winner then runs
-- enqueue.sql for the firing's job in the same transaction, and a failed enqueue rolls the claim back.
-- $1 text: id; $2 timestamptz: expected next_run_at (what the caller read; compared to the millisecond, as stored);
-- $3 timestamptz: the new next_run_at; $4 boolean: true when the tick fires a job, false for a skipped misfire;
-- $5 timestamptz: now (updated_at).
-- Returns the row count: 1 = this caller won (and enqueues if $4); 0 = changed by a peer, no such id, or $2 later
-- than $5 (a tick still to come is never fired).
-- Effects: next_run_at = $3; last_run_at = $2 when the tick fires, else kept; updated_at = $5.
UPDATE :"schema".recurring
SET
  next_run_at = $3,
  last_run_at = CASE WHEN $4::boolean THEN $2::timestamptz ELSE last_run_at END,
  updated_at = $5
WHERE id = $1 AND next_run_at = $2 AND $2::timestamptz <= $5::timestamptz;
