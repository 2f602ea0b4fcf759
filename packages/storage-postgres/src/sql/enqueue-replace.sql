-- enqueue (onDuplicate 'replace'): gives not-started holders (enqueued or scheduled, locked by
-- enqueue-lock-holders.sql or written earlier in the same transaction) the fields of the job that replaces them.
-- Inputs, one array element per holder: $1 text[] holder id, $2 text[] payload (JSON text), $3 integer[] priority,
--   $4 text[] state ('enqueued' | 'scheduled': the new job's), $5 bigint[] run_at and $6 bigint[] updated_at (the
--   new job's created_at), both epoch ms, $7 text[] metadata (JSON text).
-- Returns rows (queue, state) of the holders changed, for the wake-ups of the enqueued ones.
-- Effects: id, attempt, created_at, queue, method, max_attempts, timeout_ms and unique_key are kept.
UPDATE :"schema".jobs AS j
SET
  payload = u.payload,
  priority = u.priority,
  state = u.state,
  run_at = 'epoch'::timestamptz + (u.run_ms / 1000) * interval '1 second' + (u.run_ms % 1000) * interval '1 millisecond',
  updated_at = 'epoch'::timestamptz + (u.updated_ms / 1000) * interval '1 second'
    + (u.updated_ms % 1000) * interval '1 millisecond',
  metadata = u.metadata
FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
  AS u (id, payload, priority, state, run_ms, updated_ms, metadata)
WHERE j.id = u.id
RETURNING j.queue, j.state;
