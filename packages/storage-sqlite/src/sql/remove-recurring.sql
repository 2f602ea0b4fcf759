-- removeRecurring: deletes one definition (jobs it already enqueued stay).
-- Inputs: $id. Returns: nothing; the caller reads the change count (0: it did not exist).
DELETE FROM {{recurring}} WHERE id = $id
