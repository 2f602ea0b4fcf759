--[[ record-progress.lua: Storage.recordProgress. Stores handlers' progress, each a compare-and-set on
leaseId + processing.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes.
ARGV[1]: now (ms); ARGV[2]: number of reports n; then 3 slots per report: id, leaseId, progress (a number as text).
Returns: an array of n integers: 1 when stored, 0 when the lease was stale (nothing changed).
Effects: progress and updatedAt = now set in the job hash. ]]

local now, n = ARGV[1], tonumber(ARGV[2])
local stored = {}
for k = 0, n - 1 do
  local at = 3 + 3 * k
  local job = load_job(ARGV[at])
  if job and job.state == 'processing' and job.leaseId == ARGV[at + 1] then
    redis.call('HSET', JOB .. job.id, 'progress', ARGV[at + 2], 'updatedAt', now)
    stored[k + 1] = 1
  else
    stored[k + 1] = 0
  end
end
return stored
