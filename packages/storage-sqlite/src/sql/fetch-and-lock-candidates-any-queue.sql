-- fetchAndLock (step 1, queues: []): the first $limit claimable jobs of every queue in claim order.
-- Inputs: $limit (rows).
-- Returns: rows { id, priority, run_at }, priority DESC, run_at ASC, id ASC.
-- Index: {{jobs_claim_any_queue_idx}} (priority DESC, run_at, id) WHERE state = 'enqueued': no sort.
SELECT id, priority, run_at FROM {{jobs}}
WHERE state = 'enqueued'
ORDER BY priority DESC, run_at, id
LIMIT $limit
