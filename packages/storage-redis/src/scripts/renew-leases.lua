--[[ renew-leases.lua: Storage.renewLeases. Extends leases, each a compare-and-set on leaseId + processing.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [11] processing.
ARGV[1]: lockedUntil (ms); ARGV[2]: number of leases n; then 2 slots per lease: id, leaseId.
Returns: an array of n integers: 1 when renewed, 0 when the lease was stale (nothing changed).
Effects: lockedUntil set in the job hash and as its score in processing (so the lease sweep skips it). ]]

local locked_until, n = ARGV[1], tonumber(ARGV[2])
is_write_through = n == 1
local renewed = {}
for k = 0, n - 1 do
  local id, lease_id = ARGV[3 + 2 * k], ARGV[4 + 2 * k]
  local job = load_job(id)
  if job and job.state == 'processing' and job.leaseId == lease_id then
    redis.call('HSET', JOB .. id, 'lockedUntil', locked_until)
    zset_write(PROCESSING, id, locked_until)
    renewed[k + 1] = 1
  else
    renewed[k + 1] = 0
  end
end
return commit(renewed)
