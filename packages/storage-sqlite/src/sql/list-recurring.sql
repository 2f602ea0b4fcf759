-- listRecurring: every recurring definition, by id.
-- Inputs: none. Returns: the rows.
SELECT * FROM {{recurring}} ORDER BY id
