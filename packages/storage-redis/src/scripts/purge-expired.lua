--[[ purge-expired.lua: Storage.purgeExpired. Deletes finished jobs whose expiresAt has passed, earliest first.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [3] state ZSETs, [7] counts, [8] ids, [12] expiring,
  [13] unique.
ARGV[1]: now (ms); ARGV[2]: limit.
Returns: the number of jobs deleted.
Effects: each job's hash and index entries deleted; its uniqueKey freed if it still held it. Only succeeded,
  failed and deleted jobs are ever filed in expiring, and each is checked again before it goes.
Index: expiring ZSET scored by expiresAt; reads only `expiresAt <= now`, at most `limit`. ]]

local now, limit = ARGV[1], tonumber(ARGV[2])
local purged = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', EXPIRING, '-inf', now, 'LIMIT', 0, limit)) do
  local job = load_job(id)
  if job and is_finished(job.state) then
    remove_job(job)
    purged = purged + 1
  else
    zset_write(EXPIRING, id, false)
  end
end
return commit(purged)
