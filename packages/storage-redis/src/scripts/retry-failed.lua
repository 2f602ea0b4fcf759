--[[ retry-failed.lua: Storage.retryFailed. Re-enqueues a failed job by hand.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [7] counts,
  [9] ready-queues, [12] expiring, [13] unique, [16] channel.
ARGV[1]: id; ARGV[2]: now (ms).
Returns: { 0, job row } on success; { -1 } when the job does not exist; { -2, state } when it is not failed;
  { -3, uniqueKey } when another unfinished job now holds its uniqueKey, changing nothing (codes: script-codes.ts
  ScriptCode).
Effects: failed -> enqueued, attempt 0, runAt = updatedAt = now, finishedAt and expiresAt cleared, lastError kept;
  takes its uniqueKey back in the unique registry; PUBLISH of its queue.
Invariant: two unfinished jobs never share a uniqueKey. ]]

local id, now = ARGV[1], ARGV[2]
is_write_through = true
local job = load_job(id)
if not job then
  return { -1 }
end
if job.state ~= 'failed' then
  return { -2, job.state }
end
local holder = job.uniqueKey and redis.call('HGET', UNIQUE, job.uniqueKey)
if holder and holder ~= id then
  return { -3, job.uniqueKey }
end
leave(job)
redis.call('HDEL', JOB .. id, 'finishedAt', 'expiresAt')
if job.uniqueKey then
  redis.call('HSET', UNIQUE, job.uniqueKey, id)
end
job.runAt = now
enter(job, 'enqueued', nil, { 'attempt', '0', 'runAt', now, 'updatedAt', now })
return commit({ 0, job_row(id) })
