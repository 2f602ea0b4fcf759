-- renewLeases: extends running jobs' leases; compare-and-set on (id, lease_id, state = 'processing').
-- $1 text[] id, $2 text[] lease_id (one element per lease); $3 timestamptz: the new locked_until.
-- Returns rows (id, lease_id) of the leases that were live and are now extended; a stale lease changes nothing.
-- Only locked_until moves: a renewal is bookkeeping, not a change to the job, so updated_at stays.
-- `(j.state = 'processing') IS TRUE` keeps the planner on jobs_pkey, off jobs_lease_idx (finish.sql says why).
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS t (id, lease_id)
)
UPDATE :"schema".jobs AS j
SET locked_until = $3
FROM input AS i
WHERE j.id = i.id AND j.lease_id = i.lease_id AND (j.state = 'processing') IS TRUE
RETURNING j.id, j.lease_id;
