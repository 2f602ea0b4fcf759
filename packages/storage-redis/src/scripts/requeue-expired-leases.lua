--[[ requeue-expired-leases.lua: Storage.requeueExpiredLeases. Hands back processing jobs whose lease lapsed.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [9] ready-queues, [11] processing, [12] expiring, [13] unique, [16] channel.
ARGV[1]: now (ms); ARGV[2]: limit; ARGV[3]: failedExpiresAt (ms or ''); ARGV[4]: lastError JSON for jobs that fail.
Returns: an array of moved jobs, each its job row (helpers.lua job_row; they all left processing).
Effects: lease cleared; attempt < maxAttempts -> enqueued, attempt kept, runAt = now; otherwise -> failed with
  finishedAt = now, expiresAt = failedExpiresAt, lastError = ARGV[4], uniqueKey freed. One PUBLISH per queue.
Index: processing ZSET scored by lockedUntil; reads only `lockedUntil <= now`, at most `limit`. ]]

local now, limit, failed_expires_at, error_json = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local moved = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', PROCESSING, '-inf', now, 'LIMIT', 0, limit)) do
  local job = load_job(id)
  if job and job.state == 'processing' then
    hand_back(job, now, failed_expires_at, error_json)
    moved[#moved + 1] = job_row(id)
  else
    zset_write(PROCESSING, id, false)
  end
end
return commit(moved)
