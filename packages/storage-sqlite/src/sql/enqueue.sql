-- enqueue: inserts one new job unless its id exists or its unique_key is held by an unfinished job.
-- Inputs: $id, $method, $payload (JSON text, stored as given), $queue, $priority (integer), $state ('enqueued' or
--   'scheduled'), $max_attempts, $timeout_ms (ms or NULL), $run_at and $created_at (epoch ms), $unique_key (or NULL),
--   $metadata (JSON text).
-- Returns: one row { id } when inserted; no row when it was a duplicate (see enqueue-find-duplicate.sql).
-- Effects: one {{jobs}} row, attempt 0, updated_at = created_at.
-- Invariant: dedup is enforced by the primary key and {{jobs_unique_key_idx}} (unfinished states only), so two
--   processes racing on one key cannot both insert.
INSERT INTO {{jobs}} (
  id, method, payload, queue, priority, state, max_attempts, timeout_ms, run_at, created_at, updated_at, unique_key,
  metadata
)
VALUES (
  $id, $method, $payload, $queue, $priority, $state, $max_attempts, $timeout_ms, $run_at, $created_at, $created_at,
  $unique_key, $metadata
)
ON CONFLICT DO NOTHING
RETURNING id
