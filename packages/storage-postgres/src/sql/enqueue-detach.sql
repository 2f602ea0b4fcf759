-- enqueue (onDuplicate 'replace'): started holders (processing or awaiting_retry, locked by enqueue-lock-holders.sql)
-- keep running but give up their unique_key, so that the jobs replacing them can be inserted holding it.
-- Inputs, one array element per holder: $1 text[] holder id, $2 bigint[] updated_at (the new job's created_at, epoch
--   ms).
-- Effects: unique_key = null and updated_at; nothing else of the holder changes.
UPDATE :"schema".jobs AS j
SET
  unique_key = NULL,
  updated_at = 'epoch'::timestamptz + (d.updated_ms / 1000) * interval '1 second'
    + (d.updated_ms % 1000) * interval '1 millisecond'
FROM unnest($1::text[], $2::bigint[]) AS d (id, updated_ms)
WHERE j.id = d.id;
