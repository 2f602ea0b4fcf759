-- cancel: moves an unfinished job to deleted and revokes its lease; a job that was processing is announced on the
-- channel, so the server running it stops the handler at once instead of at its next lease renewal.
-- $1 text: id; $2 timestamptz: expires_at (null = keep forever); $3 timestamptz: now; $4 text: notify channel;
-- $5 text: the cancel's notification payload (core's cancelPushMessage: a prefix no queue name can hold, then id).
-- Returns the updated row (plus prior_state), or no row when the job is missing or already finished (the caller
--   reads it to say which). Effects: state -> deleted, finished_at = now, lease_id / locked_by / locked_until
--   cleared; pg_notify(channel, payload) when it was processing, delivered at commit (the same statement's).
-- The prior state is read under FOR UPDATE, so it is the state this statement replaced.
WITH prior AS (
  SELECT id, state FROM :"schema".jobs WHERE id = $1 FOR UPDATE
),
cancelled AS (
  UPDATE :"schema".jobs AS j
  SET
    state = 'deleted',
    finished_at = $3,
    expires_at = $2,
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $3
  FROM prior AS p
  WHERE j.id = p.id AND p.state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
  RETURNING j.*, p.state AS prior_state
),
notified AS (
  SELECT count(pg_notify($4, $5)) AS sent FROM cancelled AS c WHERE c.prior_state = 'processing'
)
SELECT c.* FROM cancelled AS c CROSS JOIN notified;
