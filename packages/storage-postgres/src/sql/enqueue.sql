-- enqueue (in an app's transaction): inserts a batch of new jobs in one statement, all or nothing, skipping each job
-- whose id already exists or whose unique_key an unfinished job holds (jobs_unique_key_idx), including an earlier job
-- of the same batch. A job it skips without seeing the holder needs a second statement (enqueue-holders.sql), which
-- only the enclosing transaction makes one unit with this one; on the pool, enqueue-checked.sql runs instead.
-- Inputs, one array element per job, all the same length (the caller drops repeated ids first):
--   $1 text[] id, $2 text[] method, $3 text[] payload (JSON text, stored as given), $4 text[] queue,
--   $5 integer[] priority, $6 text[] state ('enqueued' | 'scheduled'), $7 integer[] max_attempts,
--   $8 bigint[] timeout_ms (ms, null = server default), $9 bigint[] run_at, $10 bigint[] created_at (also the first
--   updated_at), both epoch milliseconds, $11 text[] unique_key (null = none), $12 text[] metadata (JSON text);
--   $13 text: the notify channel, or null for no NOTIFY here (enqueue.ts then sends notify.sql after the commit).
--   Times travel as integers: formatting 2,000 Dates as timestamp text in `pg` and parsing them here cost about
--   0.7 ms of a 1,000-job call's 9.5. Whole seconds plus milliseconds keep every Date exact (a float division, as in
--   to_timestamp(ms / 1000), rounds some, e.g. far-future ones).
-- Returns one row per job it skipped (any order): ord (1-based input position) and holder_id text (the job's own id
--   when that id already existed; else the id of the job holding unique_key; null when a concurrent commit holds it
--   and this statement's snapshot cannot see it: the caller then looks again). Every job not returned was written.
--   When none was skipped, one row of nulls (the caller ignores it). Skipped rows only, so a batch of 1,000 new jobs
--   sends back one row, not 1,000.
-- Effects: rows in jobs (attempt 0); one pg_notify(channel, queue) per queue that got an enqueued job, delivered
--   at commit (so never for a rolled-back transaction).
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
inserted AS (
  INSERT INTO :"schema".jobs (
    id, method, payload, queue, priority, state, attempt, max_attempts, timeout_ms, run_at, created_at, updated_at,
    unique_key, metadata
  )
  SELECT
    id, method, payload, queue, priority, state, 0, max_attempts, timeout_ms, run_at, created_at, created_at,
    unique_key, metadata
  FROM input
  -- One order for every batch, so racing batches wait for one another's keys (and ids) in the same order instead of
  -- deadlocking: by unique_key, the batch's first job with a key winning it; keyless jobs by id.
  ORDER BY unique_key COLLATE "C", CASE WHEN unique_key IS NULL THEN id END COLLATE "C", ord
  ON CONFLICT DO NOTHING
  RETURNING id, queue, state, unique_key
),
notified AS (
  SELECT count(pg_notify($13, q.queue)) AS sent
  FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'enqueued') AS q
  WHERE $13::text IS NOT NULL
),
skipped AS (
  SELECT
    i.ord::integer AS ord,
    CASE
      WHEN EXISTS (SELECT 1 FROM :"schema".jobs AS j WHERE j.id = i.id) THEN i.id
      ELSE coalesce(
        (SELECT b.id FROM inserted AS b WHERE b.unique_key = i.unique_key LIMIT 1),
        (
          SELECT j.id FROM :"schema".jobs AS j
          WHERE j.unique_key = i.unique_key AND j.state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
        )
      )
    END AS holder_id
  FROM input AS i
  -- A hashed subplan: one pass over the inserted ids, whatever the planner guesses the batch size is.
  WHERE i.id NOT IN (SELECT id FROM inserted)
)
-- Driven from notified's one row, so the NOTIFYs run even when every job was written and skipped is empty.
SELECT s.ord, s.holder_id
FROM notified
LEFT JOIN skipped AS s ON true;
