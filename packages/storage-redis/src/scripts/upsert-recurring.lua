--[[ upsert-recurring.lua: Storage.upsertRecurring. Inserts or replaces a recurring definition.
KEYS: the shared 16 (helpers.lua); touches [6] recurring hashes, [15] recurring-due.
ARGV[1..16] (rows.ts recurringArgs): id, cron, timezone, method, payload (JSON text, opaque), queue, priority,
  maxAttempts, timeoutMs (ms or ''), metadata (JSON text), misfire, nextRunAt (ms), lastRunAt (ms or ''),
  createdAt (ms), updatedAt (ms), overlap ('allow' | 'skip'; a hash written before it existed has none: 'allow').
Returns: the stored definition's HGETALL.
Effects: every field replaced, except that the stored createdAt and lastRunAt are always kept (the last firing is
  history, and overlap 'skip' reads it), and the stored nextRunAt is kept when cron and timezone are unchanged;
  recurring-due scores the id by the nextRunAt stored. ]]

local id, cron, timezone = ARGV[1], ARGV[2], ARGV[3]
local key = RECURRING .. id
local next_run_at, last_run_at, created_at = ARGV[12], ARGV[13], ARGV[14]
local stored = redis.call('HMGET', key, 'cron', 'timezone', 'nextRunAt', 'lastRunAt', 'createdAt')
if stored[5] then
  created_at = stored[5]
end
if stored[4] then
  last_run_at = stored[4]
end
if stored[1] == cron and stored[2] == timezone then
  next_run_at = stored[3]
end
redis.call('DEL', key)
redis.call('HSET', key, 'id', id, 'cron', cron, 'timezone', timezone, 'method', ARGV[4], 'payload', ARGV[5],
  'queue', ARGV[6], 'priority', ARGV[7], 'maxAttempts', ARGV[8], 'metadata', ARGV[10], 'misfire', ARGV[11],
  'overlap', ARGV[16], 'nextRunAt', next_run_at, 'createdAt', created_at, 'updatedAt', ARGV[15])
set_or_clear(key, 'timeoutMs', ARGV[9])
set_or_clear(key, 'lastRunAt', last_run_at)
redis.call('ZADD', RECURRING_DUE, next_run_at, id)
return redis.call('HGETALL', key)
