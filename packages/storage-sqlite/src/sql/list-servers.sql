-- listServers: every registered server, by id.
-- Inputs: none. Returns: the rows.
SELECT * FROM {{servers}} ORDER BY id
