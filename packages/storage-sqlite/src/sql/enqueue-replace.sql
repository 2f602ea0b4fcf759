-- enqueue (onDuplicate 'replace'): gives the not-started holder of $unique_key (enqueued or scheduled) the new job's
-- payload, run_at, priority, metadata and state, unless a job with the new job's id exists (an id is never replaced).
-- Inputs: enqueue.sql's, of which $id, $payload (JSON text), $priority, $state ('enqueued' | 'scheduled'), $run_at
--   and $created_at (epoch ms; also the holder's updated_at), $unique_key, $metadata (JSON text) are read.
-- Returns: one row { id, queue, state } of the holder it changed; no row when no not-started job holds the key.
-- Effects: the holder keeps its id, attempt, created_at, queue, method, max_attempts and timeout_ms.
-- Index: {{jobs_unique_key_idx}}: its own state list is repeated so that SQLite sees the partial index applies.
UPDATE {{jobs}}
SET payload = $payload, run_at = $run_at, priority = $priority, metadata = $metadata, state = $state,
  updated_at = $created_at
WHERE unique_key = $unique_key
  AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
  AND state IN ('enqueued', 'scheduled')
  AND NOT EXISTS (SELECT 1 FROM {{jobs}} WHERE id = $id)
RETURNING id, queue, state
