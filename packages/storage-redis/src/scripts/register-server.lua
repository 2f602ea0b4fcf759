--[[ register-server.lua: Storage.registerServer. Inserts or replaces a server's row.
KEYS: the shared 16 (helpers.lua); touches [4] server hashes, [14] servers.
ARGV[1]: id; ARGV[2]: lastHeartbeatAt (ms); ARGV[3..]: the rest of the row as field/value pairs (rows.ts
  serverArgs: name, hostname, pid, queues JSON, workerCount, startedAt ms).
Returns: 1.
Effects: server:<id> replaced by the given fields; servers ZSET scores it by lastHeartbeatAt. ]]

local id, beat = ARGV[1], ARGV[2]
local key = SERVER .. id
redis.call('DEL', key)
redis.call('HSET', key, 'id', id, 'lastHeartbeatAt', beat, unpack(ARGV, 3))
redis.call('ZADD', SERVERS, beat, id)
return 1
