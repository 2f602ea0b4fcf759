-- promoteDue (step 1): due scheduled / awaiting_retry jobs, earliest run_at first.
-- Inputs: $now (epoch ms), $limit (rows).
-- Returns: rows { id, state } (state is the one the job leaves).
-- Index: {{jobs_due_idx}} (run_at, id) WHERE state IN ('scheduled', 'awaiting_retry'): reads only what is due.
SELECT id, state FROM {{jobs}}
WHERE state IN ('scheduled', 'awaiting_retry') AND run_at <= $now
ORDER BY run_at, id
LIMIT $limit
