-- reclaimDeadServers (step 3): the processing jobs a dead server held; each then goes through lapse-requeue.sql or
-- lapse-fail.sql in the same transaction as step 2.
-- Inputs: $server_id. Returns: rows { id }, by id.
-- Index: {{jobs_locked_by_idx}} (locked_by, id) WHERE state = 'processing'.
SELECT id FROM {{jobs}} WHERE state = 'processing' AND locked_by = $server_id ORDER BY id
