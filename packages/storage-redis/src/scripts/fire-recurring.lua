--[[ fire-recurring.lua: Storage.fireRecurring. Compare-and-set of a definition's nextRunAt plus the enqueue of its
firing, in one step, so N servers racing fire each tick exactly once.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [6] recurring hashes,
  [7] counts, [8] ids, [9] ready-queues, [10] delayed, [13] unique, [15] recurring-due, [16] channel.
ARGV[1]: id; ARGV[2]: expectedRunAt (ms, the nextRunAt the caller read); ARGV[3]: nextRunAt (ms); ARGV[4]: now (ms);
  ARGV[5]: the previous firing's uniqueKey under overlap policy 'skip', or '' for no check;
  ARGV[6..18]: the firing as a new job (helpers.lua NEW_JOB_WIDTH slots), or absent to advance without firing
  (misfire policy 'skip').
Returns: 1 when this call fired; 2 when it won the tick but fired nothing (no job given, or the unique registry [13]
  holds ARGV[5]: the previous firing is unfinished); 0 when the definition is gone, its nextRunAt is no longer
  expectedRunAt, or expectedRunAt is later than now (a tick still to come is never fired; nothing written).
Effects: nextRunAt set (and rescored in recurring-due), updatedAt = now. When it fires: lastRunAt = expectedRunAt and
  the job is enqueued as enqueue.lua would, so a held uniqueKey or an existing id makes it a no-op duplicate.
  When it fires nothing lastRunAt is kept. ]]

local id, expected, next_run_at, now, previous = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
is_write_through = true
local key = RECURRING .. id
if tonumber(expected) > tonumber(now) or redis.call('HGET', key, 'nextRunAt') ~= expected then
  return 0
end
redis.call('HSET', key, 'nextRunAt', next_run_at, 'updatedAt', now)
redis.call('ZADD', RECURRING_DUE, next_run_at, id)
local has_job = #ARGV >= 5 + NEW_JOB_WIDTH
if not has_job or (previous ~= '' and redis.call('HEXISTS', UNIQUE, previous) == 1) then
  return commit(2)
end
redis.call('HSET', key, 'lastRunAt', expected)
local _, duplicate = check_new_job(6, { ids = {}, keys = {} })
if duplicate == 0 then
  insert_job(6)
end
return commit(1)
