-- registerServer: inserts or replaces one server's row.
-- Inputs: $id ('serverName#uuid'), $name, $hostname, $pid, $queues (JSON text array), $worker_count,
--   $started_at and $last_heartbeat_at (epoch ms).
-- Effects: one {{servers}} row written.
INSERT INTO {{servers}} (id, name, hostname, pid, queues, worker_count, started_at, last_heartbeat_at)
VALUES ($id, $name, $hostname, $pid, $queues, $worker_count, $started_at, $last_heartbeat_at)
ON CONFLICT (id) DO UPDATE SET
  name = excluded.name, hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,
  worker_count = excluded.worker_count, started_at = excluded.started_at,
  last_heartbeat_at = excluded.last_heartbeat_at
