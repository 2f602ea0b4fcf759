-- listRecurring: every recurring definition, ordered by id. No parameters.
SELECT * FROM :"schema".recurring ORDER BY id;
