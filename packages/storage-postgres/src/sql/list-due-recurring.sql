-- listDueRecurring: definitions due to fire, earliest next_run_at first.
-- $1 timestamptz: now (due means next_run_at <= now). Returns the rows.
-- Index: recurring_next_run_idx (next_run_at, id).
SELECT * FROM :"schema".recurring WHERE next_run_at <= $1 ORDER BY next_run_at, id;
