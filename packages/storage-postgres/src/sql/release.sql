-- release: hands leased jobs back to the queue on graceful stop; compare-and-set on (id, lease_id, processing).
-- $1 text[] id, $2 text[] lease_id (one element per lease); $3 timestamptz: now (updated_at); $4 text: notify channel.
-- Returns rows (id, lease_id) of the leases that were live and are now released.
-- Effects: processing -> enqueued, attempt - 1 (the attempt is refunded), run_at kept (the job keeps its place at
--   the head of its queue), lease cleared; one pg_notify(channel, queue) per queue that got a job back.
-- `(j.state = 'processing') IS TRUE` keeps the planner on jobs_pkey, off jobs_lease_idx (finish.sql says why).
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS t (id, lease_id)
),
released AS (
  UPDATE :"schema".jobs AS j
  SET
    state = 'enqueued',
    attempt = greatest(j.attempt - 1, 0),
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $3
  FROM input AS i
  WHERE j.id = i.id AND j.lease_id = i.lease_id AND (j.state = 'processing') IS TRUE
  RETURNING j.id, i.lease_id, j.queue
),
notified AS (
  SELECT count(pg_notify($4, q.queue)) AS sent FROM (SELECT DISTINCT queue FROM released) AS q
)
SELECT r.id, r.lease_id FROM released AS r CROSS JOIN notified;
