-- releaseLostClaims: hands back a server's processing jobs it does not know it holds (a claim whose reply it never
-- got, so they never started), as release does.
-- $1 text: server id (locked_by); $2 text[]: the lease ids the server holds; $3 timestamptz: now (updated_at);
-- $4 text: notify channel.
-- Returns the moved jobs, ordered by id (they all left processing).
-- Effects: processing -> enqueued, attempt - 1 (the attempt is refunded), run_at kept (the job keeps its place at
--   the head of its queue), lease cleared; one pg_notify(channel, queue) per queue that got a job back.
-- Invariant: only rows still processing, locked by $1 and under a lease not in $2 move; a row a concurrent finish,
--   sweep or reclaim changed first is re-checked against the new version by the UPDATE and left alone.
-- Index: jobs_lease_idx (locked_until, id) WHERE state = 'processing', filtered by locked_by: the processing rows are
--   only the jobs in flight (0003 dropped the locked_by index, which every claim had to write).
WITH released AS (
  UPDATE :"schema".jobs AS j
  SET
    state = 'enqueued',
    attempt = greatest(j.attempt - 1, 0),
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $3
  WHERE j.state = 'processing' AND j.locked_by = $1 AND j.lease_id <> ALL ($2::text[])
  RETURNING j.*
),
notified AS (
  SELECT count(pg_notify($4, q.queue)) AS sent FROM (SELECT DISTINCT queue FROM released) AS q
)
SELECT r.* FROM released AS r CROSS JOIN notified ORDER BY r.id;
