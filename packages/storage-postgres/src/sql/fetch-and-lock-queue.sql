-- fetchAndLock (one named queue): atomically claims up to $2 enqueued jobs of queue $1, highest priority first, then
-- earliest run_at, then id. fetch-and-lock.sql serves every queue and several; this one is the common case. It is a
-- statement of its own, not a branch of that one, because a prepared plan fixes the index it reads, and
-- `queue = ANY ($1)` cannot read jobs_claim_queue_idx in order.
-- $1 text: the queue; $2 integer: limit; $3 text: server id (locked_by); $4 timestamptz: locked_until
-- (now + leaseMs); $5 timestamptz: now (started_at, updated_at);
-- $6 text: the lease id base, fresh per call (each job's lease_id is the base followed by its row's address);
-- $7 text: 'off' to commit this claim asynchronously (see Commit below), null to keep the session's setting
--   (durableClaims).
-- Returns the claimed jobs, in claim order: only the columns the claim did not set from its parameters (core's
--   claimedJobFromSqlRow fills in state, locked_by, locked_until, started_at, updated_at), each time column as epoch
--   milliseconds (epoch_ms, migration 0004): a plain number for the driver to read, rather than a timestamp text to
--   parse, hundreds of rows at a time.
-- Effects: each claimed job -> processing, attempt + 1, a fresh lease_id ($6 || ctid: unique per job within the
--   call, the base fresh per call, so never reused; a random uuid per row cost a fifth of the claim, and a lease id
--   holding the job id doubled what finish sends),
--   locked_by, locked_until, started_at. FOR UPDATE SKIP LOCKED: concurrent claimers take disjoint jobs, so no job
--   is returned to two callers. Index: jobs_claim_queue_idx (queue, priority DESC, run_at, id) WHERE state =
--   'enqueued', read in order from the queue's head, so a claim touches only the rows it takes.
-- Commit: asynchronous ($7 'off'; the durableClaims option passes null), for this transaction only (set in
--   `picked`): the claim is visible to every session at once, but its commit does not wait for the WAL flush. A default server
--   claims only for its free slots, a few jobs per claim, and waiting out a flush per claim was most of a default
--   drain's time (10 workers: about one claim per fsync). A claimed job's finish commits synchronously, and that
--   flush carries the claim's WAL too. Only a crash of PostgreSQL itself (not a clean restart) in the next moments
--   (at most 3 x wal_writer_delay, 600 ms by default) can undo a claim: its jobs are enqueued again with the attempt
--   unspent, and a server already running one finds its lease gone (its result is discarded), so it runs again.
WITH picked AS (
  SELECT ctid
  FROM :"schema".jobs
  WHERE state = 'enqueued' AND queue = $1::text
    -- Always true; sets synchronous_commit for this transaction only (see the header), before anything is claimed.
    AND (SELECT set_config('synchronous_commit', coalesce($7::text, current_setting('synchronous_commit')), true))
      IS NOT NULL
  ORDER BY priority DESC, run_at, id
  LIMIT $2
  FOR UPDATE SKIP LOCKED
),
claimed AS (
  UPDATE :"schema".jobs AS j
  SET
    state = 'processing',
    attempt = j.attempt + 1,
    lease_id = $6 || j.ctid::text,
    locked_by = $3,
    locked_until = $4,
    started_at = $5,
    updated_at = $5
  -- A list of the locked rows' physical addresses, not a join: joined to `picked`, the planner may hash the whole
  -- table; by id, each row costs a jobs_pkey probe. A row locked above cannot move before this statement commits (one
  -- that changed since the statement's snapshot is not visible here: it stays enqueued, for the next claim).
  WHERE j.ctid = ANY (ARRAY(SELECT ctid FROM picked))
  RETURNING j.*
)
SELECT
  c.id, c.method, c.payload, c.queue, c.priority, c.attempt, c.max_attempts, c.timeout_ms,
  :"schema".epoch_ms(c.run_at) AS run_at, :"schema".epoch_ms(c.created_at) AS created_at,
  :"schema".epoch_ms(c.finished_at) AS finished_at, :"schema".epoch_ms(c.expires_at) AS expires_at,
  c.lease_id, c.unique_key, c.metadata, c.result, c.last_error, c.progress
FROM claimed AS c
ORDER BY c.priority DESC, c.run_at, c.id;
