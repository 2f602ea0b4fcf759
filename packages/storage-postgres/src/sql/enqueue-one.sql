-- enqueue (one job): enqueue.sql for a batch of exactly one, the common single call. Scalar parameters, so after a
-- few runs PostgreSQL keeps one generic plan per connection instead of re-planning for each call's array lengths.
-- Inputs: $1 text id, $2 text method, $3 text payload (JSON text, stored as given), $4 text queue, $5 integer
--   priority, $6 text state ('enqueued' | 'scheduled'), $7 integer max_attempts, $8 bigint timeout_ms (ms, null =
--   server default), $9 timestamptz run_at, $10 timestamptz created_at (also the first updated_at), $11 text
--   unique_key (null = none), $12 text metadata (JSON text); $13 text: the notify channel, or null for none (see
--   enqueue.sql).
-- Returns one row, shaped as enqueue.sql's: ord null when the job was written; else ord 1 and holder_id (the job's
--   own id when that id already existed; else the id of the job holding unique_key; null when a concurrent commit
--   holds it and this statement's snapshot cannot see it: the caller then looks again).
-- Effects: a row in jobs (attempt 0); pg_notify(channel, queue) when it was written as enqueued, delivered at
--   commit (so never for a rolled-back transaction).
WITH inserted AS (
  INSERT INTO :"schema".jobs (
    id, method, payload, queue, priority, state, attempt, max_attempts, timeout_ms, run_at, created_at, updated_at,
    unique_key, metadata
  )
  VALUES (
    $1::text, $2::text, $3::text, $4::text, $5::integer, $6::text, 0, $7::integer, $8::bigint, $9::timestamptz,
    $10::timestamptz, $10::timestamptz, $11::text, $12::text
  )
  ON CONFLICT DO NOTHING
  RETURNING queue, state
),
notified AS (
  SELECT count(pg_notify($13::text, queue)) AS sent FROM inserted WHERE state = 'enqueued' AND $13::text IS NOT NULL
)
SELECT
  CASE WHEN EXISTS (SELECT 1 FROM inserted) THEN NULL ELSE 1 END AS ord,
  CASE
    WHEN EXISTS (SELECT 1 FROM inserted) THEN NULL
    WHEN EXISTS (SELECT 1 FROM :"schema".jobs AS j WHERE j.id = $1::text) THEN $1::text
    ELSE (
      SELECT j.id FROM :"schema".jobs AS j
      WHERE j.unique_key = $11::text AND j.state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
    )
  END AS holder_id
-- Driven from notified's one row, so the NOTIFY runs whatever the outcome.
FROM notified;
