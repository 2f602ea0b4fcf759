-- get: one job by id. $1 text: id. Returns the job's row, or no row.
SELECT * FROM :"schema".jobs WHERE id = $1;
