-- deregisterServer: removes a server's row on clean shutdown; an unknown id changes nothing.
-- Inputs: $id.
DELETE FROM {{servers}} WHERE id = $id
