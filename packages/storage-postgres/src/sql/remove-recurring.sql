-- removeRecurring: deletes a recurring definition (jobs it already enqueued stay).
-- $1 text: id. Returns the row count (0 = it did not exist).
DELETE FROM :"schema".recurring WHERE id = $1;
