-- fireRecurring (step 0, overlap policy 'skip'): whether an unfinished job holds the previous firing's unique key;
-- if so, step 1 (fire-recurring.sql) consumes the tick with $fires = 0 and nothing is enqueued.
-- Inputs: $unique_key (the previous firing's, `recurring:<id>:<lastRunAt ms>`).
-- Returns: one row when the key is held by an enqueued, scheduled, processing or awaiting_retry job; no row else.
-- Index: {{jobs_unique_key_idx}} (same state list, so the partial index applies). Runs in fireRecurring's
--   BEGIN IMMEDIATE, with step 1, so the job cannot finish or start between the two.
SELECT 1 AS held
FROM {{jobs}}
WHERE unique_key = $unique_key AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry')
