--[[ list-due-recurring.lua: Storage.listDueRecurring. Reads the due definitions in one atomic step: read one by one,
a definition a peer fired meanwhile came back with its next (future) nextRunAt, and a poller then fired that tick
early (fire-recurring.lua now refuses a future tick as well).
KEYS: the shared 16 (helpers.lua); reads [6] recurring hashes, [15] recurring-due.
ARGV[1]: now (ms).
Returns: an array of definitions, each its HGETALL (field, value, ...), earliest nextRunAt first.
Effects: none (read only). Only definitions whose stored nextRunAt <= now are returned.
Index: recurring-due ZSET scored by nextRunAt; reads only `nextRunAt <= now`. ]]

local now = tonumber(ARGV[1])
local due = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', RECURRING_DUE, '-inf', now)) do
  local key = RECURRING .. id
  local next_run_at = redis.call('HGET', key, 'nextRunAt')
  if next_run_at and tonumber(next_run_at) <= now then
    due[#due + 1] = redis.call('HGETALL', key)
  end
end
return due
