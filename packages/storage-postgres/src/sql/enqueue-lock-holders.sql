-- enqueue (onDuplicate 'replace', first step): reads and locks what a batch holding a 'replace' job may meet: the
-- stored jobs with one of its ids, and the unfinished holders of its unique keys. Runs in the replace path's
-- transaction (enqueue-replace.ts), so a locked holder cannot be claimed, finished or replaced by another caller
-- until it commits; fetch-and-lock.sql skips it (SKIP LOCKED). A holder committed after this statement's snapshot
-- is not seen here: the insert that follows then skips its job, and the caller runs the whole path again.
-- Inputs: $1 text[]: the batch's ids; $2 text[]: its unique keys (nulls allowed).
-- Returns rows (id, unique_key, state), locked FOR UPDATE.
-- Index: the primary key and jobs_unique_key_idx (its own state list, so the partial index applies).
-- Invariant: rows are locked in unique_key order, then id, as every replace batch does, so two replacing batches
--   wait for one another instead of deadlocking.
SELECT id, unique_key, state
FROM :"schema".jobs
WHERE id = ANY ($1::text[])
  OR (unique_key = ANY ($2::text[]) AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry'))
ORDER BY unique_key COLLATE "C", id COLLATE "C"
FOR UPDATE;
