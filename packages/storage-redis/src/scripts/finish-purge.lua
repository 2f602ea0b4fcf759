--[[ finish-purge.lua: Storage.finish for a batch whose every outcome deletes its job in the same write (a TTL of 0):
finish.lua's compare-and-set on leaseId + processing, sent only the two slots that decide it. Each ARGV entry costs
Redis an object and Lua an interned string, and finish.lua's eight slots per outcome made up most of its bytes.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [5] server-jobs SETs, [7] counts, [8] ids,
  [11] processing, [13] unique.
ARGV[1]: number of outcomes n; then 2 slots per outcome: id, leaseId.
Returns: an array of n integers: 1 when the outcome applied, 0 when its lease was stale (outcomes apply in order, so
  a repeated id applies once).
Effects: each applied job leaves processing, frees its uniqueKey and is deleted with every trace of it. ]]

local n = tonumber(ARGV[1])
is_write_through = n == 1
local applied = {}
for k = 0, n - 1 do
  local id, lease_id = ARGV[2 + 2 * k], ARGV[3 + 2 * k]
  -- Only what the check and remove_job read: a hash field that is absent (uniqueKey, mostly) costs a scan of the
  -- whole hash, and every other one a scan up to it.
  local v = redis.call('HMGET', JOB .. id, 'state', 'leaseId', 'queue', 'lockedBy', 'uniqueKey')
  if v[1] == 'processing' and v[2] == lease_id then
    local job = { id = id, state = v[1], leaseId = v[2], queue = v[3], lockedBy = v[4], uniqueKey = v[5] }
    applied[k + 1] = 1
    remove_job(job)
  else
    applied[k + 1] = 0
  end
end
return commit(applied)
