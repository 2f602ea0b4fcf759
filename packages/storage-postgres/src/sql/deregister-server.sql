-- deregisterServer: removes a server's row; an unknown id is a no-op.
-- $1 text: server id. Returns nothing.
DELETE FROM :"schema".servers WHERE id = $1;
