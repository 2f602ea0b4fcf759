--[[ deregister-server.lua: Storage.deregisterServer. Removes a server's row; an unknown id is a no-op.
KEYS: the shared 16 (helpers.lua); touches [4] server hashes, [5] server-jobs SETs, [14] servers.
ARGV[1]: id.
Returns: 1 when the server was registered, else 0.
Effects: server:<id>, its heartbeat entry and its server-jobs SET deleted. Jobs it still held (none after a graceful
  stop) keep their lease and are handed back by the lease sweep when it lapses. ]]

local id = ARGV[1]
redis.call('DEL', SERVER .. id, SERVER_JOBS .. id)
return redis.call('ZREM', SERVERS, id)
