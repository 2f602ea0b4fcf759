-- reclaimDeadServers (step 2, one BEGIN IMMEDIATE per server): removes one dead server's row.
-- Inputs: $id, $before (epoch ms).
-- Returns: nothing; the caller reads the change count. 1: this caller won and now moves the server's jobs in the
--   same transaction. 0: a racing peer reclaimed it first, or it beat again since step 1; nothing to do.
-- Invariant: compare-and-delete on last_heartbeat_at < $before, so two peers never reclaim one server twice.
DELETE FROM {{servers}} WHERE id = $id AND last_heartbeat_at < $before
