-- enqueue: after an insert was skipped, the job it duplicates: the same id first, else the unfinished holder of
-- the unique key.
-- Inputs: $id, $unique_key (or NULL).
-- Returns: one row { id }; id is NULL when neither exists (the insert failed for another reason).
-- Index: the primary key, then {{jobs_unique_key_idx}} (same state list, so the partial index applies).
SELECT COALESCE(
  (SELECT id FROM {{jobs}} WHERE id = $id),
  (SELECT id FROM {{jobs}}
   WHERE unique_key = $unique_key AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry'))
) AS id
