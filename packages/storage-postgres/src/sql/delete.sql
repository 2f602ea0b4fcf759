-- delete: removes a job whatever its state. $1 text: id. Returns the row count (0 = it did not exist).
DELETE FROM :"schema".jobs WHERE id = $1;
