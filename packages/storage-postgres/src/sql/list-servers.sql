-- listServers: every registered server, ordered by id. No parameters.
SELECT * FROM :"schema".servers ORDER BY id;
