--[[ helpers.lua: prepended to every script by lua.ts; not a transition itself. It names KEYS[1..16] and holds the
moves every transition shares: a job leaving and entering a state's index, the per-queue counters, the uniqueKey
registry, inserting a new job and publishing wake-ups. Index and counter writes are recorded and applied by commit(),
one command per key, so a batch of hundreds of jobs costs a few commands per job (its hash), not a dozen.

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
finished with an expiresAt), in STATE..state unless its state is enqueued or processing (see HAS_STATE_SET), and is
counted once in COUNTS under `<state>:<queue>`, once the script has returned through commit(). ]]

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

-- States with a STATE..state ZSET (id order, for list). Enqueued and processing have none: every job passes through
-- both, and their two ZSET writes per move were a fifth of a job's Redis time; list reads them from the ready
-- ZSETs and PROCESSING instead (list.lua).
local HAS_STATE_SET = { scheduled = true, awaiting_retry = true, succeeded = true, failed = true, deleted = true }

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

-- Index writes and counter deltas of this script, applied by commit() with one command per key: a job moving
-- through leave/enter costs table writes here, not a command per index. Per key, the last write of a member wins,
-- which is what applying them in order would leave, so the batch may reorder members freely. Nothing reads an index
-- key after writing it within a script (the claim reads its ready ZSETs first), so deferring is invisible.
local zset_writes, zset_keys = {}, {}
local set_writes, set_keys = {}, {}
local count_deltas = {}
-- Queues whose ready ZSET changed, true when a job left it: commit() files each in READY_QUEUES, or takes it out
-- when a job left and none is left (a queue only added to is not empty, so it needs no look).
local touched_ready = {}
-- Queues that got an enqueued job during this script; commit() announces each once.
local woken = {}

-- Set by a script that moves one job: its writes go straight to Redis, since recording pays only when a batch's
-- jobs share keys. Either way the end state is the same; commit() still runs.
local is_write_through = false

-- Records a ZADD (score) or, when score is false, a ZREM of `member` in `key`.
local function zset_write(key, member, score)
  if is_write_through then
    if score then
      redis.call('ZADD', key, score, member)
    else
      redis.call('ZREM', key, member)
    end
    return
  end
  local writes = zset_writes[key]
  if not writes then
    writes = {}
    zset_writes[key] = writes
    zset_keys[#zset_keys + 1] = key
  end
  writes[member] = score
end

-- Records an SADD (true) or SREM (false) of `member` in `key`.
local function set_write(key, member, is_added)
  if is_write_through then
    redis.call(is_added and 'SADD' or 'SREM', key, member)
    return
  end
  local writes = set_writes[key]
  if not writes then
    writes = {}
    set_writes[key] = writes
    set_keys[#set_keys + 1] = key
  end
  writes[member] = is_added
end

local function count(queue, state, delta)
  local field = state .. ':' .. queue
  count_deltas[field] = (count_deltas[field] or 0) + delta
end

-- Appends `value` to the list `lists[key]`, starting it on first use: how a batch script groups its members by key.
local function push_to(lists, key, value)
  local list = lists[key]
  if not list then
    list = {}
    lists[key] = list
  end
  list[#list + 1] = value
end

-- Sends `command key args...` in slices: unpack is bounded by Lua's C stack (LUAI_MAXCSTACK, 8000).
local SLICE = 4000
local function call_sliced(command, key, args)
  local n = #args
  if n <= SLICE then
    if n > 0 then
      redis.call(command, key, unpack(args))
    end
    return
  end
  for i = 1, n, SLICE do
    redis.call(command, key, unpack(args, i, math.min(i + SLICE - 1, n)))
  end
end

-- Sends each key's recorded writes as at most two commands: `remove` for the members recorded as false, `add` for
-- the others (`with_score`: as score, member pairs, for a ZSET).
local function commit_writes(keys, writes, remove, add, with_score)
  for _, key in ipairs(keys) do
    local added, removed, a, r = {}, {}, 0, 0
    for member, value in pairs(writes[key]) do
      if not value then
        r = r + 1
        removed[r] = member
      elseif with_score then
        added[a + 1] = value
        added[a + 2] = member
        a = a + 2
      else
        a = a + 1
        added[a] = member
      end
    end
    call_sliced(remove, key, removed)
    call_sliced(add, key, added)
  end
end

local function commit_counts()
  for field, delta in pairs(count_deltas) do
    if delta ~= 0 and redis.call('HINCRBY', COUNTS, field, delta) <= 0 then
      redis.call('HDEL', COUNTS, field)
    end
  end
end

-- Applies the recorded index writes and counter deltas, keeps READY_QUEUES in step with the ready ZSETs, and
-- publishes each woken queue; returns `reply`. Every script that moves jobs ends with `return commit(reply)`.
local function commit(reply)
  commit_writes(zset_keys, zset_writes, 'ZREM', 'ZADD', true)
  commit_writes(set_keys, set_writes, 'SREM', 'SADD', false)
  commit_counts()
  for queue, has_left in pairs(touched_ready) do
    if not has_left or redis.call('EXISTS', READY .. queue) == 1 then
      redis.call('SADD', READY_QUEUES, queue)
    else
      redis.call('SREM', READY_QUEUES, queue)
    end
  end
  for queue in pairs(woken) do
    redis.call('PUBLISH', CHANNEL, queue)
  end
  zset_writes, zset_keys, set_writes, set_keys = {}, {}, {}, {}
  count_deltas, touched_ready, woken = {}, {}, {}
  return reply
end

-- The fields transitions decide on, or nil when the job does not exist. Absent fields are false.
local function load_job(id)
  local v = redis.call('HMGET', JOB .. id, 'state', 'queue', 'priority', 'runAt', 'attempt', 'maxAttempts', 'leaseId',
    'lockedBy', 'uniqueKey')
  if not v[1] then
    return nil
  end
  return { id = id, state = v[1], queue = v[2], priority = v[3], runAt = v[4], attempt = v[5], maxAttempts = v[6],
    leaseId = v[7], lockedBy = v[8], uniqueKey = v[9] }
end

-- Every field of a Job, in the order rows.ts JOB_FIELDS reads them (a test keeps the two lists equal).
local JOB_FIELDS = { 'id', 'method', 'payload', 'queue', 'priority', 'state', 'attempt', 'maxAttempts', 'timeoutMs',
  'runAt', 'createdAt', 'updatedAt', 'startedAt', 'finishedAt', 'expiresAt', 'lockedBy', 'lockedUntil', 'leaseId',
  'uniqueKey', 'metadata', 'result', 'lastError', 'progress' }

-- A job as the reply carries it: its JOB_FIELDS values in order, false (nil in the reply) for an absent field.
local function job_row(id)
  return redis.call('HMGET', JOB .. id, unpack(JOB_FIELDS))
end

local function is_finished(state)
  return state == 'succeeded' or state == 'failed' or state == 'deleted'
end

-- Adds `field`, `value` to `sets`, or `field` to `dels` when value is '' (null).
local function put(sets, dels, field, value)
  if value == '' then
    dels[#dels + 1] = field
  else
    sets[#sets + 1] = field
    sets[#sets + 1] = value
  end
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
    zset_write(READY .. job.queue, job.ready_member or (rank(job.priority, job.runAt) .. job.id), false)
    touched_ready[job.queue] = true
  elseif state == 'scheduled' or state == 'awaiting_retry' then
    zset_write(DELAYED, job.id, false)
  elseif state == 'processing' then
    zset_write(PROCESSING, job.id, false)
    if job.lockedBy then
      set_write(SERVER_JOBS .. job.lockedBy, job.id, false)
    end
  else
    zset_write(EXPIRING, job.id, false)
  end
  if HAS_STATE_SET[state] then
    zset_write(STATE .. state, job.id, false)
  end
  count(job.queue, state, -1)
end

-- Puts the job into `state`'s index, state set and counter, and writes `state` to its hash together with `fields`
-- (an optional field, value, ... list), in one HSET. `score` is runAt for delayed states, lockedUntil for processing,
-- expiresAt ('' = never) for finished ones; enqueued ranks by job.priority and job.runAt, processing files the job
-- under job.lockedBy.
local function enter(job, state, score, fields)
  job.state = state
  if state == 'enqueued' then
    zset_write(READY .. job.queue, rank(job.priority, job.runAt) .. job.id, 0)
    touched_ready[job.queue] = touched_ready[job.queue] or false
    woken[job.queue] = true
  elseif state == 'scheduled' or state == 'awaiting_retry' then
    zset_write(DELAYED, job.id, score)
  elseif state == 'processing' then
    zset_write(PROCESSING, job.id, score)
    set_write(SERVER_JOBS .. job.lockedBy, job.id, true)
  elseif score ~= '' then
    zset_write(EXPIRING, job.id, score)
  end
  if HAS_STATE_SET[state] then
    zset_write(STATE .. state, job.id, 0)
  end
  count(job.queue, state, 1)
  if fields then
    redis.call('HSET', JOB .. job.id, 'state', state, unpack(fields))
  else
    redis.call('HSET', JOB .. job.id, 'state', state)
  end
end

-- A finished or removed job stops holding its uniqueKey (only if it is still the holder).
local function free_unique(job)
  if job.uniqueKey and redis.call('HGET', UNIQUE, job.uniqueKey) == job.id then
    redis.call('HDEL', UNIQUE, job.uniqueKey)
  end
end

-- Drops the lease fields, plus any field named in `dels`, in one HDEL.
local function clear_lease(job, dels)
  if dels then
    redis.call('HDEL', JOB .. job.id, 'leaseId', 'lockedBy', 'lockedUntil', unpack(dels))
  else
    redis.call('HDEL', JOB .. job.id, 'leaseId', 'lockedBy', 'lockedUntil')
  end
  job.leaseId, job.lockedBy = false, false
end

-- Deletes the job and every trace of it.
local function remove_job(job)
  leave(job)
  free_unique(job)
  zset_write(IDS, job.id, false)
  redis.call('DEL', JOB .. job.id)
end

-- A processing job whose owner is gone (lease lapsed, server dead): back to enqueued due now with its attempt kept,
-- or to failed with `error_json` when it has no attempt left.
local function hand_back(job, now, failed_expires_at, error_json)
  leave(job)
  if tonumber(job.attempt) >= tonumber(job.maxAttempts) then
    local sets, dels = { 'updatedAt', now, 'finishedAt', now, 'lastError', error_json }, {}
    put(sets, dels, 'expiresAt', failed_expires_at)
    clear_lease(job, dels)
    free_unique(job)
    enter(job, 'failed', failed_expires_at, sets)
  else
    clear_lease(job)
    job.runAt = now
    enter(job, 'enqueued', nil, { 'updatedAt', now, 'runAt', now })
  end
end

-- A claimed job handed back unstarted (graceful stop, lost claim): back to enqueued at its old place in its queue
-- (runAt unchanged), attempt refunded, lease cleared, updatedAt = now.
local function release_job(job, now)
  leave(job)
  clear_lease(job)
  enter(job, 'enqueued', nil, { 'attempt', tostring(tonumber(job.attempt) - 1), 'updatedAt', now })
end

-- A new job occupies 13 ARGV slots from `at` (rows.ts newJobArgs): id, method, payload, queue, priority, state,
-- maxAttempts, timeoutMs, runAt, createdAt, uniqueKey, metadata, onDuplicate ('keep' | 'replace').
local NEW_JOB_WIDTH = 13

-- Decides what happens to the new job at `at`; returns the id it resolves to, 1 when it is a duplicate (else 0), and
-- a holder to act on. A duplicate's id exists, or its uniqueKey is held by an unfinished job or by an earlier job of
-- the batch in `seen`. With onDuplicate 'replace', a holder that has not started (an earlier job of the batch, or
-- an enqueued or scheduled one) is returned twice, as the id and to be given the job's fields (replace_job); a
-- started one comes back third with 0, to give up the key (detach_unique) before the job is written.
local function check_new_job(at, seen)
  local id, unique_key = ARGV[at], ARGV[at + 10]
  if seen.ids[id] or redis.call('EXISTS', JOB .. id) == 1 then
    return id, 1
  end
  if unique_key ~= '' then
    local batch_holder = seen.keys[unique_key]
    local holder = batch_holder or redis.call('HGET', UNIQUE, unique_key)
    if holder and ARGV[at + 12] ~= 'replace' then
      return holder, 1
    end
    if holder then
      local state = not batch_holder and redis.call('HGET', JOB .. holder, 'state')
      if batch_holder or state == 'enqueued' or state == 'scheduled' then
        return holder, 1, holder
      end
    end
    seen.keys[unique_key] = id
    seen.ids[id] = true
    return id, 0, holder
  end
  seen.ids[id] = true
  return id, 0
end

-- onDuplicate 'replace': the not-started holder `id` takes the payload, priority, runAt, metadata and state of the
-- new job at `at` (moving between the ready and delayed indexes as its state says), updatedAt = its createdAt.
local function replace_job(id, at)
  local job = load_job(id)
  leave(job)
  job.priority, job.runAt = ARGV[at + 4], ARGV[at + 8]
  enter(job, ARGV[at + 5], job.runAt, { 'payload', ARGV[at + 2], 'priority', job.priority, 'runAt', job.runAt,
    'updatedAt', ARGV[at + 9], 'metadata', ARGV[at + 11] })
end

-- onDuplicate 'replace': the started holder `id` keeps running without its uniqueKey (the new job at `at`, written
-- next, takes over the registry entry); updatedAt = the new job's createdAt.
local function detach_unique(id, at)
  redis.call('HDEL', JOB .. id, 'uniqueKey')
  redis.call('HSET', JOB .. id, 'updatedAt', ARGV[at + 9])
end

-- Writes the new job at `at` (already checked) into its hash (one HSET), the id set, its state index and the unique
-- registry.
local function insert_job(at)
  local id, queue, priority, state = ARGV[at], ARGV[at + 3], ARGV[at + 4], ARGV[at + 5]
  local run_at, created_at, timeout_ms, unique_key = ARGV[at + 8], ARGV[at + 9], ARGV[at + 7], ARGV[at + 10]
  local fields = { 'id', id, 'method', ARGV[at + 1], 'payload', ARGV[at + 2], 'queue', queue, 'priority', priority,
    'attempt', '0', 'maxAttempts', ARGV[at + 6], 'runAt', run_at, 'createdAt', created_at, 'updatedAt', created_at,
    'metadata', ARGV[at + 11] }
  if timeout_ms ~= '' then
    fields[#fields + 1] = 'timeoutMs'
    fields[#fields + 1] = timeout_ms
  end
  if unique_key ~= '' then
    fields[#fields + 1] = 'uniqueKey'
    fields[#fields + 1] = unique_key
    redis.call('HSET', UNIQUE, unique_key, id)
  end
  zset_write(IDS, id, 0)
  enter({ id = id, queue = queue, priority = priority, runAt = run_at }, state, run_at, fields)
end
