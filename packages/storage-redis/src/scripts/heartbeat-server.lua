--[[ heartbeat-server.lua: Storage.heartbeatServer. Stamps a live server's heartbeat.
KEYS: the shared 16 (helpers.lua); touches [4] server hashes, [14] servers.
ARGV[1]: id; ARGV[2]: now (ms).
Returns: 1 when stamped; 0 when the server is not registered (a peer reclaimed it), and nothing is written.
Effects: lastHeartbeatAt = now in server:<id> and as its score in servers. ]]

local id, now = ARGV[1], ARGV[2]
if not redis.call('ZSCORE', SERVERS, id) then
  return 0
end
redis.call('ZADD', SERVERS, now, id)
redis.call('HSET', SERVER .. id, 'lastHeartbeatAt', now)
return 1
