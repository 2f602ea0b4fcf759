-- 0001-create-tables: the first schema: jobs, servers and recurring definitions.
-- Every instant is INTEGER epoch milliseconds written from the injected Clock (never SQLite's own time), so dates
-- round-trip at ms precision and a ManualClock drives everything. payload / result are the JSON text the core gave,
-- stored as-is; metadata / last_error are JSON text written by this backend. Identifiers in {{braces}} are
-- replaced by the quoted, prefixed names (tablePrefix) before the script runs.

CREATE TABLE {{jobs}} (
  id           TEXT    NOT NULL PRIMARY KEY,
  method       TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  queue        TEXT    NOT NULL,
  priority     INTEGER NOT NULL,
  state        TEXT    NOT NULL CHECK (state IN
                 ('enqueued', 'scheduled', 'processing', 'succeeded', 'failed', 'awaiting_retry', 'deleted')),
  attempt      INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  timeout_ms   INTEGER,
  run_at       INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  started_at   INTEGER,
  finished_at  INTEGER,
  expires_at   INTEGER,
  locked_by    TEXT,
  locked_until INTEGER,
  lease_id     TEXT,
  unique_key   TEXT,
  metadata     TEXT    NOT NULL DEFAULT '{}',
  result       TEXT,
  last_error   TEXT,
  progress     REAL
);

-- fetchAndLock on named queues: one index range per queue, already in claim order (no sort, no scan).
CREATE INDEX {{jobs_claim_idx}} ON {{jobs}} (queue, priority DESC, run_at, id) WHERE state = 'enqueued';

-- fetchAndLock on every queue (queues: []): the same order without the queue prefix.
CREATE INDEX {{jobs_claim_any_queue_idx}} ON {{jobs}} (priority DESC, run_at, id) WHERE state = 'enqueued';

-- promoteDue: due scheduled / awaiting_retry jobs, earliest runAt first.
CREATE INDEX {{jobs_due_idx}} ON {{jobs}} (run_at, id) WHERE state IN ('scheduled', 'awaiting_retry');

-- requeueExpiredLeases reads by locked_until; reclaimDeadServers by locked_by. Both only see processing jobs.
CREATE INDEX {{jobs_lease_idx}} ON {{jobs}} (locked_until, id) WHERE state = 'processing';
CREATE INDEX {{jobs_locked_by_idx}} ON {{jobs}} (locked_by, id) WHERE state = 'processing';

-- purgeExpired: finished jobs past their TTL, earliest first.
CREATE INDEX {{jobs_expiry_idx}} ON {{jobs}} (expires_at, id) WHERE state IN ('succeeded', 'failed', 'deleted');

-- uniqueKey dedup: at most one unfinished job per key; finishing (or purging) a job frees its key.
CREATE UNIQUE INDEX {{jobs_unique_key_idx}} ON {{jobs}} (unique_key)
  WHERE unique_key IS NOT NULL AND state IN ('enqueued', 'scheduled', 'processing', 'awaiting_retry');

-- One row per live server: small enough that reclaimDeadServers reads it whole, so it has no extra index.
CREATE TABLE {{servers}} (
  id                TEXT    NOT NULL PRIMARY KEY,
  name              TEXT    NOT NULL,
  hostname          TEXT    NOT NULL,
  pid               INTEGER NOT NULL,
  queues            TEXT    NOT NULL,
  worker_count      INTEGER NOT NULL,
  started_at        INTEGER NOT NULL,
  last_heartbeat_at INTEGER NOT NULL
);

CREATE TABLE {{recurring}} (
  id           TEXT    NOT NULL PRIMARY KEY,
  cron         TEXT    NOT NULL,
  timezone     TEXT    NOT NULL,
  method       TEXT    NOT NULL,
  payload      TEXT    NOT NULL,
  queue        TEXT    NOT NULL,
  priority     INTEGER NOT NULL,
  max_attempts INTEGER NOT NULL,
  timeout_ms   INTEGER,
  metadata     TEXT    NOT NULL,
  misfire      TEXT    NOT NULL CHECK (misfire IN ('once', 'skip')),
  next_run_at  INTEGER NOT NULL,
  last_run_at  INTEGER,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- listDueRecurring: definitions whose next run has come.
CREATE INDEX {{recurring_due_idx}} ON {{recurring}} (next_run_at, id);
