-- enqueue (onDuplicate 'replace'): a started holder of $unique_key (processing or awaiting_retry) keeps running but
-- gives up the key, so that the new job can be inserted holding it (enqueue.sql next), unless a job with the new
-- job's id exists (then that insert is skipped as a duplicate and the holder keeps the key).
-- Inputs: enqueue.sql's, of which $id, $unique_key and $created_at (epoch ms, the holder's updated_at) are read.
-- Returns: the number of rows changed (0 or 1).
-- Effects: the holder's unique_key becomes NULL; nothing else of it changes but updated_at.
-- Index: {{jobs_unique_key_idx}}, as in enqueue-replace.sql.
UPDATE {{jobs}}
SET unique_key = NULL, updated_at = $created_at
WHERE unique_key = $unique_key
  AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
  AND state IN ('processing', 'awaiting_retry')
  AND NOT EXISTS (SELECT 1 FROM {{jobs}} WHERE id = $id)
