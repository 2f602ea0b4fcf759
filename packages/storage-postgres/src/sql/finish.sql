-- finish: ends a batch of attempts, each a compare-and-set on (id, lease_id, state = 'processing'): a stale lease
-- matches nothing and changes nothing (fencing).
-- Inputs, one array element per outcome: $1 text[] id, $2 text[] lease_id, $3 text[] target state ('succeeded' |
--   'failed' | 'awaiting_retry' | 'scheduled'), $4 text[] result (JSON text, succeeded only), $5 text[] last_error
--   (JSON text), $6 timestamptz[] run_at (when due again, awaiting_retry and scheduled only; null = now),
--   $7 timestamptz[] expires_at,
--   $8 boolean[] purge (delete the row in this same write); $9 timestamptz: now.
-- Returns the 1-based ordinals of the outcomes that applied. An id repeated in the batch counts once (its first
--   outcome), as if the outcomes had run one after another.
-- Effects: succeeded stores result, finished_at and expires_at (an earlier attempt's last_error stays, as history);
--   failed stores last_error, finished_at, expires_at; awaiting_retry stores last_error and run_at; scheduled (a
--   snooze) refunds the attempt (attempt - 1) and stores run_at, keeping last_error. Every move clears lease_id,
--   locked_by, locked_until; purge deletes the row instead, freeing its unique_key. awaiting_retry and scheduled
--   rows enter jobs_due_idx (state IN ('scheduled', 'awaiting_retry')), where promoteDue finds them.
-- The state test is written `(j.state = 'processing') IS TRUE`: as a bare equality it implies jobs_lease_idx's
-- predicate, and the planner may then probe that index by its second column (id), a scan of every running job per
-- outcome, whenever its statistics say few jobs run. Hidden from the predicate prover, jobs_pkey is the only way in.
WITH input AS (
  -- Ids and lease ids as COLLATE "C", the columns' own collation, so the join can probe jobs_pkey per outcome.
  SELECT DISTINCT ON (id) id COLLATE "C" AS id, lease_id COLLATE "C" AS lease_id, to_state, result, last_error, run_at,
    expires_at, purge, ord
  FROM unnest(
    $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::boolean[]
  ) WITH ORDINALITY AS t (id, lease_id, to_state, result, last_error, run_at, expires_at, purge, ord)
  ORDER BY id, ord
),
finished AS (
  UPDATE :"schema".jobs AS j
  SET
    state = i.to_state,
    attempt = CASE WHEN i.to_state = 'scheduled' THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
    result = CASE WHEN i.to_state = 'succeeded' THEN i.result ELSE j.result END,
    last_error = CASE WHEN i.to_state IN ('succeeded', 'scheduled') THEN j.last_error ELSE i.last_error END,
    run_at = CASE WHEN i.to_state IN ('awaiting_retry', 'scheduled') THEN coalesce(i.run_at, $9) ELSE j.run_at END,
    finished_at = CASE WHEN i.to_state IN ('awaiting_retry', 'scheduled') THEN NULL ELSE $9 END,
    expires_at = CASE WHEN i.to_state IN ('awaiting_retry', 'scheduled') THEN NULL ELSE i.expires_at END,
    lease_id = NULL,
    locked_by = NULL,
    locked_until = NULL,
    updated_at = $9
  FROM input AS i
  WHERE j.id = i.id AND j.lease_id = i.lease_id AND (j.state = 'processing') IS TRUE AND NOT i.purge
  RETURNING i.ord::integer AS ord
),
purged AS (
  DELETE FROM :"schema".jobs AS j
  USING input AS i
  WHERE j.id = i.id AND j.lease_id = i.lease_id AND (j.state = 'processing') IS TRUE AND i.purge
  RETURNING i.ord::integer AS ord
)
SELECT ord FROM finished
UNION ALL
SELECT ord FROM purged;
