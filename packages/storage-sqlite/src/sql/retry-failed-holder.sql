-- retryFailed (step 1): whether another unfinished job now holds the uniqueKey of failed job $id, in which case
-- retry-failed.sql must not run (two unfinished jobs never share a key: {{jobs_unique_key_idx}} would refuse it).
-- Inputs: $id.
-- Returns: one row { unique_key } when the key is held; no row when the job has no key, the key is free, or the job
--   is missing or not failed (step 2 then tells which).
-- Index: the primary key, then {{jobs_unique_key_idx}}. Runs in retryFailed's BEGIN IMMEDIATE, with step 2.
SELECT failed.unique_key
FROM {{jobs}} AS failed
WHERE failed.id = $id AND failed.state = 'failed' AND EXISTS (
  SELECT 1 FROM {{jobs}} AS holder
  WHERE holder.unique_key = failed.unique_key
    AND holder.state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
)
