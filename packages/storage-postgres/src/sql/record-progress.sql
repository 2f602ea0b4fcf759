-- recordProgress: stores running jobs' progress; compare-and-set on (id, lease_id, state = 'processing').
-- $1 text[] id, $2 text[] lease_id, $3 double precision[] progress (one element per report);
-- $4 timestamptz: now (updated_at).
-- Returns rows (id, lease_id) of the reports that applied; a stale lease changes nothing.
-- `(j.state = 'processing') IS TRUE` keeps the planner on jobs_pkey, off jobs_lease_idx (finish.sql says why).
WITH input AS (
  SELECT DISTINCT ON (id, lease_id) *
  FROM unnest($1::text[], $2::text[], $3::double precision[]) WITH ORDINALITY AS t (id, lease_id, progress, ord)
  ORDER BY id, lease_id, ord DESC
)
UPDATE :"schema".jobs AS j
SET progress = i.progress, updated_at = $4
FROM input AS i
WHERE j.id = i.id AND j.lease_id = i.lease_id AND (j.state = 'processing') IS TRUE
RETURNING j.id, j.lease_id;
