-- enqueue (second look): finds who blocked the jobs enqueue.sql skipped without seeing a holder, i.e. a job
-- committed concurrently after that statement's snapshot. Runs on the same connection / transaction.
-- $1 text[]: ids of the skipped jobs; $2 text[]: their unique keys (nulls allowed).
-- Returns rows (id, unique_key): existing jobs with one of those ids, and unfinished holders of those keys.
SELECT id, unique_key
FROM :"schema".jobs
WHERE id = ANY ($1::text[])
  OR (unique_key = ANY ($2::text[]) AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry'));
