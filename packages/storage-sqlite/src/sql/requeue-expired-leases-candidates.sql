-- requeueExpiredLeases (step 1): processing jobs whose lease has lapsed (locked_until <= now), earliest first.
-- Inputs: $now (epoch ms), $limit (rows).
-- Returns: rows { id }. Step 2 is lapse-requeue.sql / lapse-fail.sql.
-- Index: {{jobs_lease_idx}} (locked_until, id) WHERE state = 'processing': reads only what has lapsed.
SELECT id FROM {{jobs}}
WHERE state = 'processing' AND locked_until <= $now
ORDER BY locked_until, id
LIMIT $limit
