--[[ finish-purge.lua: Storage.finish for a batch whose every outcome deletes its job in the same write (a TTL of 0):
finish.lua's compare-and-set on leaseId + processing, sent only the two slots that decide it. Each ARGV entry costs
Redis an object and Lua an interned string, and finish.lua's eight slots per outcome made up most of its bytes.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [5] server-jobs SETs, [7] counts, [8] ids,
  [11] processing, [13] unique.
ARGV[1]: number of outcomes n; then 2 slots per outcome: id, leaseId.
Returns: an array of n integers: 1 when the outcome applied, 0 when its lease was stale (outcomes apply in order, so
  a repeated id applies once).
Effects: each applied job leaves processing, frees its uniqueKey and is deleted with every trace of it. ]]

-- Each job is removed here in bulk rather than through remove_job(job), as fetch-and-lock.lua claims: the same end
-- state (out of PROCESSING, its server's server-jobs SET and IDS, uniqueKey freed, uncounted, hash deleted) without a
-- table per job and recorded writes, which cost more Redis time than the removal.
local n = tonumber(ARGV[1])
local applied, removed, by_server, by_queue = {}, {}, {}, {}
for k = 0, n - 1 do
  local id, lease_id = ARGV[2 + 2 * k], ARGV[3 + 2 * k]
  local key = JOB .. id
  -- Only what the check and the removal read: a hash field that is absent (uniqueKey, mostly) costs a scan of the
  -- whole hash, and every other one a scan up to it.
  local v = redis.call('HMGET', key, 'state', 'leaseId', 'queue', 'lockedBy', 'uniqueKey')
  if v[1] == 'processing' and v[2] == lease_id then
    applied[k + 1] = 1
    removed[#removed + 1] = id
    if v[4] then
      push_to(by_server, v[4], id)
    end
    by_queue[v[3]] = (by_queue[v[3]] or 0) + 1
    if v[5] then
      free_unique({ id = id, uniqueKey = v[5] })
    end
    -- Deleted at once, so a repeated id in this batch finds no job and does not apply.
    redis.call('DEL', key)
  else
    applied[k + 1] = 0
  end
end
call_sliced('ZREM', PROCESSING, removed)
call_sliced('ZREM', IDS, removed)
for server, ids in pairs(by_server) do
  call_sliced('SREM', SERVER_JOBS .. server, ids)
end
for queue, total in pairs(by_queue) do
  count(queue, 'processing', -total)
end
return commit(applied)
