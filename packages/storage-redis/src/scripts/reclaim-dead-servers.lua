--[[ reclaim-dead-servers.lua: Storage.reclaimDeadServers, called once per dead server. Removes one server silent
since `before` and hands back its processing jobs, atomically, so two peers racing reclaim each job once: the loser
finds the server gone (or alive again) and returns 0.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [4] server hashes,
  [5] server-jobs SETs, [7] counts, [9] ready-queues, [11] processing, [12] expiring, [13] unique, [14] servers,
  [16] channel.
ARGV[1]: serverId; ARGV[2]: before (ms, last heartbeat must be earlier); ARGV[3]: now (ms);
  ARGV[4]: failedExpiresAt (ms or ''); ARGV[5]: lastError JSON for jobs that fail (names the server).
Returns: { 0 } when the server is gone or beat since `before`; else { 1, job, job, ... } with each moved job's
  job row (helpers.lua job_row).
Effects: as requeue-expired-leases for each job the server still holds (state processing, lockedBy = serverId);
  then the server's hash, heartbeat entry and server-jobs SET are deleted.
Index: server-jobs:<serverId> SET, so only that server's jobs are read. ]]

local server_id, before, now, failed_expires_at, error_json = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local beat = redis.call('ZSCORE', SERVERS, server_id)
if not beat or tonumber(beat) >= tonumber(before) then
  return { 0 }
end
local reply = { 1 }
local held = redis.call('SMEMBERS', SERVER_JOBS .. server_id)
table.sort(held)
for _, id in ipairs(held) do
  local job = load_job(id)
  if job and job.state == 'processing' and job.lockedBy == server_id then
    hand_back(job, now, failed_expires_at, error_json)
    reply[#reply + 1] = job_row(id)
  end
end
commit()
redis.call('DEL', SERVER_JOBS .. server_id, SERVER .. server_id)
redis.call('ZREM', SERVERS, server_id)
return reply
