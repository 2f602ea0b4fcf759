-- 0002-claim-per-queue: a claim index per queue, and a unique_key index without the null keys.
-- :"schema" is replaced by the quoted schema name. Forward-only: never edit once released; add 0003-... instead.

-- fetchAndLock for one named queue (every server's default, queues: ['default']): its WHERE and ORDER BY exactly,
-- so a claim of hundreds reads them in order from the head of that queue, however many jobs other queues hold.
-- jobs_claim_idx still serves claims from every queue and from several.
CREATE INDEX jobs_claim_queue_idx ON :"schema".jobs (queue, priority DESC, run_at, id) WHERE state = 'enqueued';

-- enqueue dedup, as in 0001, but only for jobs that have a key: most have none, and each of their inserts and state
-- moves used to write a null entry here for nothing. Same name, so errors.ts still recognises a violation of it.
DROP INDEX :"schema".jobs_unique_key_idx;
CREATE UNIQUE INDEX jobs_unique_key_idx ON :"schema".jobs (unique_key)
  WHERE unique_key IS NOT NULL AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry');
