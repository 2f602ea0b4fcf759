--[[ enqueue.lua: Storage.enqueue. Writes a batch of new jobs, all or nothing: every job is checked first, then
the non-duplicates are written, so no job is written unless the whole script runs.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [7] counts,
  [8] ids, [9] ready-queues, [10] delayed, [13] unique, [16] channel.
ARGV[1]: number of jobs n; then n x 13 slots per job (helpers.lua NEW_JOB_WIDTH): id, method, payload (JSON text,
  opaque), queue, priority (int32), state ('enqueued' | 'scheduled'), maxAttempts, timeoutMs (ms or ''), runAt (ms),
  createdAt (ms, also updatedAt), uniqueKey (or ''), metadata (JSON text, opaque), onDuplicate ('keep' | 'replace').
Returns: a flat array, per job in order: id, duplicate (0 | 1). A duplicate is a job whose id exists, or whose
  uniqueKey is held by an unfinished job or by an earlier job of the batch; its id is the holder's and nothing is
  written for it, except that with onDuplicate 'replace' a holder not started yet (enqueued, scheduled, or written
  by this batch) takes its payload, priority, runAt, metadata and state. With 'replace', a started holder
  (processing, awaiting_retry) keeps running but gives up the key, and the job is written holding it (duplicate 0).
Effects: each written job gets attempt 0, enters the ready ZSET of its queue (enqueued) or the delayed ZSET
  (scheduled), claims its uniqueKey; a replaced holder moves between those as its new state says. One PUBLISH per
  queue that got (or kept, when replaced) an enqueued job. ]]

local n = tonumber(ARGV[1])
is_write_through = n == 1
local seen = { ids = {}, keys = {} }
local results = {}
-- Per job index, the holder to replace (duplicates) or to detach (written jobs); only 'replace' jobs have one.
local holders = {}
for k = 0, n - 1 do
  local id, duplicate, holder = check_new_job(2 + k * NEW_JOB_WIDTH, seen)
  results[#results + 1] = id
  results[#results + 1] = duplicate
  holders[k] = holder
end
for k = 0, n - 1 do
  local at, holder = 2 + k * NEW_JOB_WIDTH, holders[k]
  if results[2 * k + 2] == 0 then
    if holder then
      detach_unique(holder, at)
    end
    insert_job(at)
  elseif holder then
    replace_job(holder, at)
  end
end
return commit(results)
