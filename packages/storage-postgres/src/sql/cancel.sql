-- cancel: moves an unfinished job to deleted and revokes its lease (a running handler learns of it when its next
-- lease renewal fails).
-- $1 text: id; $2 timestamptz: expires_at (null = keep forever); $3 timestamptz: now.
-- Returns the updated row, or no row when the job is missing or already finished (the caller reads it to say
--   which). Effects: state -> deleted, finished_at = now, lease_id / locked_by / locked_until cleared.
UPDATE :"schema".jobs
SET
  state = 'deleted',
  finished_at = $3,
  expires_at = $2,
  lease_id = NULL,
  locked_by = NULL,
  locked_until = NULL,
  updated_at = $3
WHERE id = $1 AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
RETURNING *;
