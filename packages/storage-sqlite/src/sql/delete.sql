-- delete: removes one job whatever its state (which also frees its unique key).
-- Inputs: $id. Effects: at most one row deleted; the caller reads the change count.
DELETE FROM {{jobs}} WHERE id = $id
