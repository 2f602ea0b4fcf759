-- heartbeatServer: stamps a live server's last heartbeat.
-- Inputs: $id, $now (epoch ms).
-- Returns: nothing; the caller reads the change count (0: the row is gone, a peer reclaimed this server).
UPDATE {{servers}} SET last_heartbeat_at = $now WHERE id = $id
