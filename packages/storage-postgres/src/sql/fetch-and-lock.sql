-- fetchAndLock: atomically claims up to $2 enqueued jobs, highest priority first, then earliest run_at, then id.
-- $1 text[]: queues to claim from (empty = all); $2 integer: limit; $3 text: server id (locked_by);
-- $4 timestamptz: locked_until (now + leaseMs); $5 timestamptz: now (started_at, updated_at).
-- Returns the claimed jobs, in claim order.
-- Effects: each claimed job -> processing, attempt + 1, a fresh lease_id (gen_random_uuid, never reused),
--   locked_by, locked_until, started_at. FOR UPDATE SKIP LOCKED: concurrent claimers take disjoint jobs, so no job
--   is returned to two callers. Index: jobs_claim_idx (priority DESC, run_at, id) WHERE state = 'enqueued', read in
--   order, so a claim touches only the rows it takes however many finished rows the table holds.
WITH picked AS (
  SELECT id
  FROM :"schema".jobs
  WHERE state = 'enqueued' AND (cardinality($1::text[]) = 0 OR queue = ANY ($1::text[]))
  ORDER BY priority DESC, run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE :"schema".jobs AS j
  SET
    state = 'processing',
    attempt = j.attempt + 1,
    lease_id = gen_random_uuid()::text,
    locked_by = $3,
    locked_until = $4,
    started_at = $5,
    updated_at = $5
  FROM picked
  WHERE j.id = picked.id
  RETURNING j.*
)
SELECT * FROM claimed ORDER BY priority DESC, run_at, id;
