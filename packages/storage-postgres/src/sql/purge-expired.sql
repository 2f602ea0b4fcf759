-- purgeExpired: deletes finished (succeeded / failed / deleted) jobs whose expires_at <= now, earliest first, at
-- most $2. Never touches an unfinished job; deleting frees nothing else (a finished job holds no unique_key).
-- $1 timestamptz: now; $2 integer: limit.
-- Returns rows (id) of the deleted jobs; the caller counts them.
-- Index: jobs_expires_idx (expires_at, id) WHERE state IN ('succeeded', 'failed', 'deleted').
DELETE FROM :"schema".jobs
WHERE id IN (
  SELECT id
  FROM :"schema".jobs
  WHERE state IN ('succeeded', 'failed', 'deleted') AND expires_at <= $1
  ORDER BY expires_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
)
RETURNING id;
