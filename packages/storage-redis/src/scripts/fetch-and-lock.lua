--[[ fetch-and-lock.lua: Storage.fetchAndLock. Claims up to `limit` enqueued jobs, ordered priority desc, runAt asc,
id asc across the queues asked for, atomically: no job is returned to two callers.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [9] ready-queues, [11] processing.
ARGV[1]: now (ms); ARGV[2]: lockedUntil (ms, now + leaseMs); ARGV[3]: serverId; ARGV[4]: limit;
  ARGV[5]: number of queues q (0 = every queue with ready jobs, read from ready-queues);
  ARGV[6..5+q]: queue names; ARGV[6+q]: lease id base, fresh per call: the k-th claimed job's leaseId is base .. k (k from 1).
Returns: an array of the claimed jobs in claim order, each a row of CLAIMED_FIELDS values (below; false = absent)
  with attempt already incremented. The fields the claim sets to values the caller chose (state, leaseId, lockedBy,
  lockedUntil, startedAt, updatedAt) are not sent back: rows.ts claimedJob fills them in. One HMGET per job both
  checks the job and reads its reply row, which carries no field names.
Effects: each job: enqueued -> processing, attempt + 1, leaseId, lockedBy = serverId, lockedUntil,
  startedAt = updatedAt = now; filed in processing (by lockedUntil) and in server-jobs of serverId.
Index: each ready ZSET holds only enqueued jobs, scored 0 with fixed-width members `<rank><id>` (helpers.lua rank),
  so its head is its best job: reads at most `limit` members per queue and merges the heads by byte order. ]]

local now, locked_until, server_id = ARGV[1], ARGV[2], ARGV[3]
local limit, queue_count = tonumber(ARGV[4]), tonumber(ARGV[5])
local queues = {}
if queue_count == 0 then
  queues = redis.call('SMEMBERS', READY_QUEUES)
else
  for i = 1, queue_count do
    queues[i] = ARGV[5 + i]
  end
end

-- Merge the heads of every queue: each step takes the smallest member among the queues' next candidates.
local heads, positions = {}, {}
for i, queue in ipairs(queues) do
  heads[i] = redis.call('ZRANGE', READY .. queue, 0, limit - 1)
  positions[i] = 1
end
local chosen = {}
while #chosen < limit do
  local best
  for i = 1, #heads do
    local member = heads[i][positions[i]]
    if member and (not best or bytes_less(member, heads[best][positions[best]])) then
      best = i
    end
  end
  if not best then
    break
  end
  chosen[#chosen + 1] = heads[best][positions[best]]
  positions[best] = positions[best] + 1
end

-- The stored fields a claim reads back, in the order rows.ts CLAIMED_FIELDS names them (a test keeps them equal).
local CLAIMED_FIELDS = { 'id', 'method', 'payload', 'queue', 'priority', 'state', 'attempt', 'maxAttempts', 'timeoutMs',
  'runAt', 'createdAt', 'finishedAt', 'expiresAt', 'uniqueKey', 'metadata', 'result', 'lastError', 'progress' }
local AT_QUEUE, AT_STATE, AT_ATTEMPT = 4, 6, 7

-- Each job's moves are made here in bulk rather than through leave(job) and enter(job, 'processing', ...): this is
-- every job's hottest script, and a table per job plus recorded writes cost more Redis time than the moves. The end
-- state is theirs: out of its ready ZSET (the queue touched), into PROCESSING by lockedUntil and the server's
-- server-jobs SET, counted processing instead of enqueued.
local lease_base = ARGV[6 + queue_count]
local claimed, processing, taken, left_ready = {}, {}, {}, {}
local n = 0
for _, member in ipairs(chosen) do
  local id = string.sub(member, RANK_LEN + 1)
  local key = JOB .. id
  local row = redis.call('HMGET', key, unpack(CLAIMED_FIELDS))
  if row[AT_STATE] == 'enqueued' then
    n = n + 1
    local attempt = tostring(tonumber(row[AT_ATTEMPT]) + 1)
    redis.call('HSET', key, 'state', 'processing', 'attempt', attempt, 'leaseId', lease_base .. n,
      'lockedBy', server_id, 'lockedUntil', locked_until, 'startedAt', now, 'updatedAt', now)
    push_to(left_ready, row[AT_QUEUE], member)
    processing[2 * n - 1] = locked_until
    processing[2 * n] = id
    taken[n] = id
    row[AT_ATTEMPT] = attempt
    claimed[n] = row
  end
end
for queue, members in pairs(left_ready) do
  call_sliced('ZREM', READY .. queue, members)
  touched_ready[queue] = true
  count(queue, 'enqueued', -#members)
  count(queue, 'processing', #members)
end
call_sliced('ZADD', PROCESSING, processing)
call_sliced('SADD', SERVER_JOBS .. server_id, taken)
return commit(claimed)
