-- listDueRecurring: definitions whose next run has come, earliest first.
-- Inputs: $now (epoch ms). Returns: the rows, by next_run_at then id.
-- Index: {{recurring_due_idx}} (next_run_at, id).
SELECT * FROM {{recurring}} WHERE next_run_at <= $now ORDER BY next_run_at, id
