-- requeueExpiredLeases: hands back processing jobs whose lease lapsed (locked_until <= now), at most $2, earliest
-- lapse first.
-- $1 timestamptz: now; $2 integer: limit; $3 timestamptz: expires_at for jobs that fail here (null = keep forever);
-- $4 text: notify channel.
-- Returns the moved jobs (they all left processing).
-- Effects: a job with attempts left -> enqueued, attempt kept (the lapsed run spent it), run_at = now; a job with
--   attempt >= max_attempts -> failed (finished_at = now, expires_at = $3, last_error LeaseExpiredError), so a job
--   that kills its process cannot loop forever. Lease cleared either way; one pg_notify per queue re-enqueued.
-- Index: jobs_lease_idx (locked_until, id) WHERE state = 'processing'.
WITH expired AS (
  SELECT id
  FROM :"schema".jobs
  WHERE state = 'processing' AND locked_until <= $1
  ORDER BY locked_until, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
moved AS (
  UPDATE :"schema".jobs AS j
  SET
    state = CASE WHEN j.attempt >= j.max_attempts THEN 'failed' ELSE 'enqueued' END,
    run_at = CASE WHEN j.attempt >= j.max_attempts THEN j.run_at ELSE $1::timestamptz END,
    finished_at = CASE WHEN j.attempt >= j.max_attempts THEN $1::timestamptz END,
    expires_at = CASE WHEN j.attempt >= j.max_attempts THEN $3::timestamptz END,
    last_error = CASE
      WHEN j.attempt >= j.max_attempts
        THEN json_build_object('name', 'LeaseExpiredError', 'message', 'lease expired before the job finished')::text
      ELSE j.last_error
    END,
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $1
  FROM expired AS e
  WHERE j.id = e.id
  RETURNING j.*
),
notified AS (
  SELECT count(pg_notify($4, q.queue)) AS sent
  FROM (SELECT DISTINCT queue FROM moved WHERE state = 'enqueued') AS q
)
SELECT m.* FROM moved AS m CROSS JOIN notified ORDER BY m.id;
