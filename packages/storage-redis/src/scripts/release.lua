--[[ release.lua: Storage.release, the graceful-stop hand-back. Returns claimed jobs to enqueued with the attempt
refunded, each a compare-and-set on leaseId + processing.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [9] ready-queues, [11] processing, [16] channel.
ARGV[1]: now (ms); ARGV[2]: number of leases n; then 2 slots per lease: id, leaseId.
Returns: an array of n integers: 1 when released, 0 when the lease was stale (nothing changed).
Effects: processing -> enqueued, attempt - 1, lease cleared, runAt unchanged (the job keeps its place at the head of
  its queue), updatedAt = now; one PUBLISH per queue that got a job back. ]]

local now, n = ARGV[1], tonumber(ARGV[2])
is_write_through = n == 1
local released = {}
for k = 0, n - 1 do
  local id, lease_id = ARGV[3 + 2 * k], ARGV[4 + 2 * k]
  local job = load_job(id)
  if job and job.state == 'processing' and job.leaseId == lease_id then
    release_job(job, now)
    released[k + 1] = 1
  else
    released[k + 1] = 0
  end
end
return commit(released)
