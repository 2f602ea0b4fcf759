-- 0003-drop-locked-by-index: drops jobs_locked_by_idx, so a claim writes one index entry fewer per job.
-- :"schema" is replaced by the quoted schema name. Forward-only: never edit once released; add 0004-... instead.

-- Every claim moves its jobs to processing, and a row entering a partial index writes an entry there: this index
-- cost about a quarter of a 500-job claim's UPDATE. Only reclaimDeadServers read it, rarely, and it now finds a dead
-- server's jobs through jobs_lease_idx (also WHERE state = 'processing'), whose rows are the jobs in flight: bounded
-- by the servers' workers and local queues, however large the backlog or history.
DROP INDEX :"schema".jobs_locked_by_idx;
