--[[ release-lost-claims.lua: Storage.releaseLostClaims. Hands back the processing jobs a server claimed but does not
hold (the claim's reply never reached it, so they never started), as release.lua does, in one step.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [9] ready-queues, [11] processing, [16] channel.
ARGV[1]: now (ms); ARGV[2]: serverId; ARGV[3..]: the leaseIds the server holds (any number, possibly none).
Returns: an array of moved jobs, each its job row (helpers.lua job_row; they all left processing), by id.
Effects: for each job with state processing, lockedBy = serverId and a leaseId not in ARGV[3..]: processing ->
  enqueued, attempt - 1, lease cleared, runAt unchanged (back at its place in its queue), updatedAt = now; one
  PUBLISH per queue that got a job back. Held leases and other servers' jobs are left as they are.
Index: server-jobs:<serverId> SET, so only that server's jobs are read. ]]

local now, server_id = ARGV[1], ARGV[2]
local held = {}
for i = 3, #ARGV do
  held[ARGV[i]] = true
end
local ids = redis.call('SMEMBERS', SERVER_JOBS .. server_id)
table.sort(ids, bytes_less)
local moved = {}
for _, id in ipairs(ids) do
  local job = load_job(id)
  if job and job.state == 'processing' and job.lockedBy == server_id and not held[job.leaseId] then
    release_job(job, now)
    moved[#moved + 1] = job_row(id)
  end
end
return commit(moved)
