-- purgeExpired: deletes finished jobs whose expires_at has passed, earliest first, at most $limit. Unfinished jobs
-- are never touched. Deleting also frees their unique keys.
-- Inputs: $now (epoch ms), $limit (rows).
-- Returns: nothing; the caller reads the change count.
-- Index: {{jobs_expiry_idx}} (expires_at, id) WHERE state IN ('succeeded', 'failed', 'deleted').
DELETE FROM {{jobs}}
WHERE id IN (
  SELECT id FROM {{jobs}}
  WHERE state IN ('succeeded', 'failed', 'deleted') AND expires_at <= $now
  ORDER BY expires_at, id
  LIMIT $limit
)
