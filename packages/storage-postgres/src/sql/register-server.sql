-- registerServer: inserts the server's row or replaces every field of it.
-- $1 text id ('serverName#uuid'); $2 text name; $3 text hostname; $4 integer pid; $5 text[] queues;
-- $6 integer worker_count; $7 timestamptz started_at; $8 timestamptz last_heartbeat_at.
-- Returns nothing. Effects: one row in servers.
INSERT INTO :"schema".servers (id, name, hostname, pid, queues, worker_count, started_at, last_heartbeat_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name,
  hostname = excluded.hostname,
  pid = excluded.pid,
  queues = excluded.queues,
  worker_count = excluded.worker_count,
  started_at = excluded.started_at,
  last_heartbeat_at = excluded.last_heartbeat_at;
