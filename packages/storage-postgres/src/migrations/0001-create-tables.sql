-- 0001-create-tables: the jobs, servers and recurring tables, and one partial index per claim or sweep, so each
-- reads only the rows it may move however many finished jobs the table holds.
-- :"schema" is replaced by the quoted schema name. Forward-only: never edit once released; add 0002-... instead.

-- Times are timestamptz written from the storage's Clock (never now()); JSON (payload, result, metadata, last_error)
-- is text, not jsonb, so the bytes the core serialized come back unchanged. Ids and queues sort bytewise ("C").
CREATE TABLE :"schema".jobs (
  id text COLLATE "C" PRIMARY KEY,
  method text NOT NULL,
  payload text NOT NULL,
  queue text COLLATE "C" NOT NULL,
  priority integer NOT NULL,
  state text NOT NULL CHECK (
    state IN ('enqueued', 'scheduled', 'processing', 'succeeded', 'failed', 'awaiting_retry', 'deleted')
  ),
  attempt integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL,
  timeout_ms bigint,
  run_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz,
  locked_by text COLLATE "C",
  locked_until timestamptz,
  lease_id text COLLATE "C",
  unique_key text COLLATE "C",
  metadata text NOT NULL DEFAULT '{}',
  result text,
  last_error text,
  progress double precision
);

-- fetchAndLock: exactly its ORDER BY, over enqueued jobs only.
CREATE INDEX jobs_claim_idx ON :"schema".jobs (priority DESC, run_at, id) WHERE state = 'enqueued';
-- promoteDue: due scheduled / awaiting_retry jobs, earliest first.
CREATE INDEX jobs_due_idx ON :"schema".jobs (run_at, id) WHERE state IN ('scheduled', 'awaiting_retry');
-- requeueExpiredLeases: lapsed leases, earliest first.
CREATE INDEX jobs_lease_idx ON :"schema".jobs (locked_until, id) WHERE state = 'processing';
-- reclaimDeadServers: a dead server's processing jobs.
CREATE INDEX jobs_locked_by_idx ON :"schema".jobs (locked_by) WHERE state = 'processing';
-- purgeExpired: finished jobs past their TTL, earliest first.
CREATE INDEX jobs_expires_idx ON :"schema".jobs (expires_at, id) WHERE state IN ('succeeded', 'failed', 'deleted');
-- enqueue dedup: a uniqueKey is held only while its job is unfinished; finishing frees it.
CREATE UNIQUE INDEX jobs_unique_key_idx ON :"schema".jobs (unique_key)
  WHERE state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry');

CREATE TABLE :"schema".servers (
  id text COLLATE "C" PRIMARY KEY,
  name text NOT NULL,
  hostname text NOT NULL,
  pid integer NOT NULL,
  queues text[] NOT NULL,
  worker_count integer NOT NULL,
  started_at timestamptz NOT NULL,
  last_heartbeat_at timestamptz NOT NULL
);

CREATE TABLE :"schema".recurring (
  id text COLLATE "C" PRIMARY KEY,
  cron text NOT NULL,
  timezone text NOT NULL,
  method text NOT NULL,
  payload text NOT NULL,
  queue text COLLATE "C" NOT NULL,
  priority integer NOT NULL,
  max_attempts integer NOT NULL,
  timeout_ms bigint,
  metadata text NOT NULL DEFAULT '{}',
  misfire text NOT NULL CHECK (misfire IN ('once', 'skip')),
  next_run_at timestamptz NOT NULL,
  last_run_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- listDueRecurring: definitions due now, earliest first.
CREATE INDEX recurring_next_run_idx ON :"schema".recurring (next_run_at, id);
