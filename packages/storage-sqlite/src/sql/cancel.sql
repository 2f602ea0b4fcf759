-- cancel: an unfinished job -> deleted, its lease revoked (SqliteStorage tells its own subscribers of a running one).
-- Inputs: $id, $now (epoch ms), $expires_at (epoch ms or NULL: when the cancelled job may be purged).
-- Returns: the updated row; no row when the job is missing or already finished (the caller tells which).
-- Effects: state, finished_at = $now, expires_at, updated_at; lease_id / locked_by / locked_until cleared.
UPDATE {{jobs}}
SET state = 'deleted', finished_at = $now, expires_at = $expires_at, updated_at = $now,
    lease_id = NULL, locked_by = NULL, locked_until = NULL
WHERE id = $id AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
RETURNING *
