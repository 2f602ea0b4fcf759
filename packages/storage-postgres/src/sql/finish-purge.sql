-- finish (purge only): finish.sql for a batch whose every outcome deletes its job in the same write (a TTL of 0):
-- the same compare-and-set on (id, lease_id, state = 'processing'), given only the two columns that decide it, so
-- the statement parses two arrays rather than eight (the six others cost more to bind than the delete to run).
-- $1 text[]: id; $2 text[]: lease_id; one element per outcome (a repeated id is sent as NULL: only its first
--   outcome can apply, as in finish.sql).
-- Returns the 1-based ordinals of the outcomes that applied; a stale lease matches nothing and changes nothing.
-- Effects: each applied outcome deletes its job, freeing its unique_key. Index: jobs_pkey, one probe per outcome.
-- `(j.state = 'processing') IS TRUE` keeps the planner on jobs_pkey, off jobs_lease_idx (finish.sql says why).
DELETE FROM :"schema".jobs AS j
USING unnest($1::text[], $2::text[]) WITH ORDINALITY AS i (id, lease_id, ord)
WHERE j.id = i.id COLLATE "C" AND j.lease_id = i.lease_id COLLATE "C" AND (j.state = 'processing') IS TRUE
RETURNING i.ord::integer AS ord;
