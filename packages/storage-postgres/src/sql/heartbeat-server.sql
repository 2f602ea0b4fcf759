-- heartbeatServer: stamps a live server's heartbeat.
-- $1 text: server id; $2 timestamptz: now.
-- Returns the row count: 0 when the row is gone (a peer reclaimed the server, which must then re-register).
UPDATE :"schema".servers SET last_heartbeat_at = $2 WHERE id = $1;
