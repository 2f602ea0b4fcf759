-- get: one job by id.
-- Inputs: $id. Returns: the row, or none.
SELECT * FROM {{jobs}} WHERE id = $id
