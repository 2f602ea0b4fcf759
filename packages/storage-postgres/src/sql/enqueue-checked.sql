-- enqueue (on the pool, a batch that may hold duplicates): writes the batch in one statement, all or nothing, and
-- answers every job it skips with its holder, also one committed concurrently, so that no second statement is needed
-- (enqueue.sql's second look would run after its first statement's commit). Each job is first checked against this
-- statement's snapshot: its id stored, its unique_key held by an unfinished job, or taken by an earlier new job of the
-- batch. The rest is inserted; a key whose holder committed after the snapshot meets it through ON CONFLICT, which
-- locks that row (READ COMMITTED's latest version) and returns its id. An id committed concurrently raises
-- unique_violation, nothing is written, and the caller runs the statement again on a fresh snapshot (enqueue.ts).
-- Inputs: enqueue.sql's $1..$12, the same columns (no notify channel: the caller wakes listeners after the commit).
-- Returns one row per job it skipped (any order): ord (1-based input position) and holder_id text, never null (the
--   job's own id when that id already existed; else the id of the job holding unique_key). Every job not returned
--   was written.
-- Effects: rows in jobs (attempt 0). A holder met through ON CONFLICT gets a new row version with the same values.
-- Invariant: keys, then ids, are inserted in one order in every batch (as in enqueue.sql), so racing batches wait for
--   one another's uncommitted keys in that order instead of deadlocking.
WITH input AS (
  SELECT
    id, method, payload, queue, priority, state, max_attempts, timeout_ms,
    'epoch'::timestamptz + (run_ms / 1000) * interval '1 second' + (run_ms % 1000) * interval '1 millisecond'
      AS run_at,
    'epoch'::timestamptz + (created_ms / 1000) * interval '1 second' + (created_ms % 1000) * interval '1 millisecond'
      AS created_at,
    unique_key, metadata, ord
  FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::text[], $7::integer[], $8::bigint[],
    $9::bigint[], $10::bigint[], $11::text[], $12::text[]
  ) WITH ORDINALITY AS t (
    id, method, payload, queue, priority, state, max_attempts, timeout_ms, run_ms, created_ms, unique_key, metadata, ord
  )
),
-- Jobs whose id is new, each with the stored holder of its key and its rank among the batch's new jobs of that key.
checked AS (
  SELECT
    i.*,
    (
      SELECT j.id FROM :"schema".jobs AS j
      WHERE j.unique_key = i.unique_key AND j.state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
    ) AS holder_id,
    row_number() OVER (PARTITION BY i.unique_key ORDER BY i.ord) AS key_rank
  FROM input AS i
  WHERE NOT EXISTS (SELECT 1 FROM :"schema".jobs AS j WHERE j.id = i.id)
),
writable AS (
  SELECT * FROM checked WHERE unique_key IS NULL OR (holder_id IS NULL AND key_rank = 1)
),
inserted AS (
  INSERT INTO :"schema".jobs (
    id, method, payload, queue, priority, state, attempt, max_attempts, timeout_ms, run_at, created_at, updated_at,
    unique_key, metadata
  )
  SELECT
    id, method, payload, queue, priority, state, 0, max_attempts, timeout_ms, run_at, created_at, created_at,
    unique_key, metadata
  FROM writable
  ORDER BY unique_key COLLATE "C", CASE WHEN unique_key IS NULL THEN id END COLLATE "C", ord
  ON CONFLICT (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
  -- A holder committed after this statement's snapshot: touched without a change, so that its id comes back.
  DO UPDATE SET unique_key = excluded.unique_key
  RETURNING id, unique_key
)
SELECT
  i.ord::integer AS ord,
  CASE WHEN c.ord IS NULL THEN i.id ELSE coalesce(c.holder_id, r.id) END AS holder_id
FROM input AS i
LEFT JOIN checked AS c ON c.ord = i.ord
-- The row that now holds the key: this batch's job of that key, or a holder committed concurrently.
LEFT JOIN inserted AS r ON r.unique_key = i.unique_key
WHERE i.id NOT IN (SELECT id FROM inserted);
