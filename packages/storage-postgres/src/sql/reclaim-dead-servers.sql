-- reclaimDeadServers: removes servers silent since $1 and hands back their processing jobs, in one statement, so a
-- server's row and its jobs move together. Racing peers: SKIP LOCKED on the server rows gives each dead server to
-- exactly one peer, so each job is reclaimed once in total.
-- $1 timestamptz: before (a server whose last_heartbeat_at < $1 is dead); $2 timestamptz: now;
-- $3 timestamptz: expires_at for jobs that fail here (null = keep forever); $4 text: notify channel.
-- Returns one row per (dead server, reclaimed job), ordered by server id then job id: dead_server_id and the job's
--   columns; a dead server without jobs gives one row whose job columns are null.
-- Effects: server rows deleted; each of their processing jobs -> enqueued (attempt kept, run_at = now), or -> failed
--   when attempt >= max_attempts (finished_at = now, expires_at = $3, last_error LeaseExpiredError naming the
--   server); lease cleared; one pg_notify per queue re-enqueued.
-- Index: jobs_lease_idx (locked_until, id) WHERE state = 'processing', filtered by locked_by: the processing rows are
--   only the jobs in flight (0003 dropped the locked_by index, which every claim had to write).
WITH dead AS (
  DELETE FROM :"schema".servers AS s
  WHERE s.id IN (
    SELECT id FROM :"schema".servers WHERE last_heartbeat_at < $1 ORDER BY id FOR UPDATE SKIP LOCKED
  )
  RETURNING s.id
),
moved AS (
  UPDATE :"schema".jobs AS j
  SET
    state = CASE WHEN j.attempt >= j.max_attempts THEN 'failed' ELSE 'enqueued' END,
    run_at = CASE WHEN j.attempt >= j.max_attempts THEN j.run_at ELSE $2::timestamptz END,
    finished_at = CASE WHEN j.attempt >= j.max_attempts THEN $2::timestamptz END,
    expires_at = CASE WHEN j.attempt >= j.max_attempts THEN $3::timestamptz END,
    last_error = CASE
      WHEN j.attempt >= j.max_attempts
        THEN json_build_object('name', 'LeaseExpiredError', 'message', 'server ' || d.id || ' died')::text
      ELSE j.last_error
    END,
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $2
  FROM dead AS d
  WHERE j.locked_by = d.id AND j.state = 'processing'
  RETURNING j.*, d.id AS from_server_id
),
notified AS (
  SELECT count(pg_notify($4, q.queue)) AS sent
  FROM (SELECT DISTINCT queue FROM moved WHERE state = 'enqueued') AS q
)
SELECT d.id AS dead_server_id, m.*
FROM dead AS d
LEFT JOIN moved AS m ON m.from_server_id = d.id
CROSS JOIN notified
ORDER BY d.id, m.id;
