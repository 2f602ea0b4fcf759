--[[ helpers.lua: prepended to every script by lua.ts; not a transition itself. It names KEYS[1..16] and holds the
moves every transition shares: a job leaving and entering a state's index, the per-queue counters, the uniqueKey
registry, inserting a new job and publishing wake-ups.

KEYS (the same 16 for every script, built by keys.ts scriptKeys):
  [1] job hash prefix          [2] ready ZSET prefix (per queue)   [3] state ZSET prefix (per state)
  [4] server hash prefix       [5] server-jobs SET prefix          [6] recurring hash prefix
  [7] counts HASH              [8] ids ZSET                        [9] ready-queues SET
  [10] delayed ZSET (runAt)    [11] processing ZSET (lockedUntil)  [12] expiring ZSET (expiresAt)
  [13] unique HASH             [14] servers ZSET (heartbeat)       [15] recurring-due ZSET (nextRunAt)
  [16] wake-up channel (a channel name, not a key)
Per-job, per-queue, per-state and per-server keys are built here as a KEYS prefix .. id. That is Cluster-safe only
because every key of an installation shares the `{prefix}` hash tag, so all of them live in the slot of KEYS[1].

Times are millisecond strings from TypeScript, stored and passed to ZADD as given: Lua never formats a time itself
(tostring writes 1.5e+15 for big numbers). Absent ARGV values are ''. A null job field is an absent hash field.
Payload, result, metadata and lastError are opaque strings: never decoded here.
Invariant kept by leave/enter: a job sits in exactly one state index (ready, delayed, processing, or expiring when
finished with an expiresAt), in STATE..state, and is counted once in COUNTS under `<state>:<queue>`. ]]

local JOB, READY, STATE, SERVER, SERVER_JOBS, RECURRING = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local COUNTS, IDS, READY_QUEUES, DELAYED, PROCESSING = KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11]
local EXPIRING, UNIQUE, SERVERS, RECURRING_DUE, CHANNEL = KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16]

-- Width of a ready member's rank: 10-digit inverted priority, ':', sign letter + 16-digit runAt, ':'.
local RANK_LEN = 29

-- The ready-ZSET rank of a job: fixed width, so members (all scored 0) sort by bytes as priority desc, runAt asc,
-- then id asc. Priority is an int32 (2147483647 - p is 0..4294967295); runAt is any Date's ms: 'p' + ms when >= 0,
-- 'n' + (8.64e15 + ms) when negative ('n' < 'p'). Every number stays below 2^53, so string.format is exact.
local function rank(priority, run_at)
  local ms = tonumber(run_at)
  local time
  if ms >= 0 then
    time = 'p' .. string.format('%016d', ms)
  else
    time = 'n' .. string.format('%016d', 8640000000000000 + ms)
  end
  return string.format('%010d', 2147483647 - tonumber(priority)) .. ':' .. time .. ':'
end

-- Byte order (Lua's `<` uses strcoll, which follows the server's locale).
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

local function count(queue, state, delta)
  local field = state .. ':' .. queue
  if redis.call('HINCRBY', COUNTS, field, delta) <= 0 then
    redis.call('HDEL', COUNTS, field)
  end
end

local LOADED = { 'state', 'queue', 'priority', 'runAt', 'attempt', 'maxAttempts', 'leaseId', 'lockedBy', 'uniqueKey' }

-- The fields transitions decide on, or nil when the job does not exist. Absent fields are false.
local function load_job(id)
  local values = redis.call('HMGET', JOB .. id, unpack(LOADED))
  if not values[1] then
    return nil
  end
  local job = { id = id }
  for i = 1, #LOADED do
    job[LOADED[i]] = values[i]
  end
  return job
end

local function is_finished(state)
  return state == 'succeeded' or state == 'failed' or state == 'deleted'
end

-- Sets `field` to `value`, or deletes it when value is '' (null).
local function set_or_clear(key, field, value)
  if value == '' then
    redis.call('HDEL', key, field)
  else
    redis.call('HSET', key, field, value)
  end
end

-- Takes the job out of its current state's index, state set and counter.
local function leave(job)
  local state = job.state
  if state == 'enqueued' then
    local ready = READY .. job.queue
    redis.call('ZREM', ready, rank(job.priority, job.runAt) .. job.id)
    if redis.call('EXISTS', ready) == 0 then
      redis.call('SREM', READY_QUEUES, job.queue)
    end
  elseif state == 'scheduled' or state == 'awaiting_retry' then
    redis.call('ZREM', DELAYED, job.id)
  elseif state == 'processing' then
    redis.call('ZREM', PROCESSING, job.id)
    if job.lockedBy then
      redis.call('SREM', SERVER_JOBS .. job.lockedBy, job.id)
    end
  else
    redis.call('ZREM', EXPIRING, job.id)
  end
  redis.call('ZREM', STATE .. state, job.id)
  count(job.queue, state, -1)
end

-- Queues that got an enqueued job during this script; publish_woken announces them once each.
local woken = {}

-- Puts the job into `state`'s index, state set and counter, and writes `state` to its hash. `score` is runAt for
-- delayed states, lockedUntil for processing, expiresAt ('' = never) for finished ones; enqueued ranks by
-- job.priority and job.runAt, processing files the job under job.lockedBy.
local function enter(job, state, score)
  job.state = state
  if state == 'enqueued' then
    redis.call('ZADD', READY .. job.queue, 0, rank(job.priority, job.runAt) .. job.id)
    redis.call('SADD', READY_QUEUES, job.queue)
    woken[job.queue] = true
  elseif state == 'scheduled' or state == 'awaiting_retry' then
    redis.call('ZADD', DELAYED, score, job.id)
  elseif state == 'processing' then
    redis.call('ZADD', PROCESSING, score, job.id)
    redis.call('SADD', SERVER_JOBS .. job.lockedBy, job.id)
  elseif score ~= '' then
    redis.call('ZADD', EXPIRING, score, job.id)
  end
  redis.call('ZADD', STATE .. state, 0, job.id)
  count(job.queue, state, 1)
  redis.call('HSET', JOB .. job.id, 'state', state)
end

local function publish_woken()
  for queue in pairs(woken) do
    redis.call('PUBLISH', CHANNEL, queue)
  end
end

-- A finished or removed job stops holding its uniqueKey (only if it is still the holder).
local function free_unique(job)
  if job.uniqueKey and redis.call('HGET', UNIQUE, job.uniqueKey) == job.id then
    redis.call('HDEL', UNIQUE, job.uniqueKey)
  end
end

local function clear_lease(job)
  redis.call('HDEL', JOB .. job.id, 'leaseId', 'lockedBy', 'lockedUntil')
  job.leaseId, job.lockedBy = false, false
end

-- Deletes the job and every trace of it.
local function remove_job(job)
  leave(job)
  free_unique(job)
  redis.call('ZREM', IDS, job.id)
  redis.call('DEL', JOB .. job.id)
end

-- A processing job whose owner is gone (lease lapsed, server dead): back to enqueued due now with its attempt kept,
-- or to failed with `error_json` when it has no attempt left.
local function hand_back(job, now, failed_expires_at, error_json)
  local key = JOB .. job.id
  leave(job)
  clear_lease(job)
  redis.call('HSET', key, 'updatedAt', now)
  if tonumber(job.attempt) >= tonumber(job.maxAttempts) then
    redis.call('HSET', key, 'finishedAt', now, 'lastError', error_json)
    set_or_clear(key, 'expiresAt', failed_expires_at)
    free_unique(job)
    enter(job, 'failed', failed_expires_at)
  else
    job.runAt = now
    redis.call('HSET', key, 'runAt', now)
    enter(job, 'enqueued')
  end
end

-- A new job occupies 12 ARGV slots from `at` (rows.ts newJobArgs): id, method, payload, queue, priority, state,
-- maxAttempts, timeoutMs, runAt, createdAt, uniqueKey, metadata.
local NEW_JOB_WIDTH = 12

-- Decides whether the new job at `at` is written: returns the id it resolves to and 1 when it is a duplicate (its id
-- exists, or its uniqueKey is held by an unfinished job or by an earlier job of the batch in `seen`), else 0.
local function check_new_job(at, seen)
  local id, unique_key = ARGV[at], ARGV[at + 10]
  if seen.ids[id] or redis.call('EXISTS', JOB .. id) == 1 then
    return id, 1
  end
  if unique_key ~= '' then
    local holder = seen.keys[unique_key] or redis.call('HGET', UNIQUE, unique_key)
    if holder then
      return holder, 1
    end
    seen.keys[unique_key] = id
  end
  seen.ids[id] = true
  return id, 0
end

-- Writes the new job at `at` (already checked) into its hash, the id set, its state index and the unique registry.
local function insert_job(at)
  local id, queue, priority, state = ARGV[at], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5]
  local run_at, created_at, unique_key = ARGV[at + 8], ARGV[at + 9], ARGV[at + 10]
  local key = JOB .. id
  redis.call('HSET', key, 'id', id, 'method', ARGV[at + 1], 'payload', ARGV[at + 2], 'queue', queue,
    'priority', priority, 'attempt', '0', 'maxAttempts', ARGV[at + 6], 'runAt', run_at,
    'createdAt', created_at, 'updatedAt', created_at, 'metadata', ARGV[at + 11])
  set_or_clear(key, 'timeoutMs', ARGV[at + 7])
  if unique_key ~= '' then
    redis.call('HSET', key, 'uniqueKey', unique_key)
    redis.call('HSET', UNIQUE, unique_key, id)
  end
  redis.call('ZADD', IDS, 0, id)
  enter({ id = id, queue = queue, priority = priority, runAt = run_at }, state, run_at)
end
