-- fetchAndLock (step 1, one named queue): the first $limit claimable jobs of $queue in claim order.
-- Inputs: $queue, $limit (rows).
-- Returns: rows { id, priority, run_at }, priority DESC, run_at ASC, id ASC.
-- Index: {{jobs_claim_idx}} (queue, priority DESC, run_at, id) WHERE state = 'enqueued': one range, no sort.
-- Runs inside fetchAndLock's BEGIN IMMEDIATE, so no other process can claim between this read and step 2.
SELECT id, priority, run_at FROM {{jobs}}
WHERE state = 'enqueued' AND queue = $queue
ORDER BY priority DESC, run_at, id
LIMIT $limit
