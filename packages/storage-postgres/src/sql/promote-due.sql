-- promoteDue: moves due scheduled / awaiting_retry jobs to enqueued, earliest run_at first, at most $2.
-- $1 timestamptz: now (due means run_at <= now; also updated_at); $2 integer: limit; $3 text: notify channel.
-- Returns the moved jobs (with from_state, the state each left), earliest run_at first.
-- Effects: state -> enqueued with run_at kept, so a retry due at T sorts before a job enqueued after T at the same
--   priority; one pg_notify(channel, queue) per queue. SKIP LOCKED: racing schedulers move disjoint jobs.
-- Index: jobs_due_idx (run_at, id) WHERE state IN ('scheduled', 'awaiting_retry').
WITH due AS (
  SELECT id, state
  FROM :"schema".jobs
  WHERE state IN ('scheduled', 'awaiting_retry') AND run_at <= $1
  ORDER BY run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
promoted AS (
  UPDATE :"schema".jobs AS j
  SET state = 'enqueued', updated_at = $1
  FROM due AS d
  WHERE j.id = d.id
  RETURNING j.*, d.state AS from_state
),
notified AS (
  SELECT count(pg_notify($3, q.queue)) AS sent FROM (SELECT DISTINCT queue FROM promoted) AS q
)
SELECT p.* FROM promoted AS p CROSS JOIN notified ORDER BY p.run_at, p.id;
