-- reclaimDeadServers (step 1): servers silent since $before.
-- Inputs: $before (epoch ms). Returns: rows { id }, by id.
-- Index: none; the table holds one row per live server, read in id order.
SELECT id FROM {{servers}} WHERE last_heartbeat_at < $before ORDER BY id
