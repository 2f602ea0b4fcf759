--[[ promote-due.lua: Storage.promoteDue. Moves due scheduled / awaiting_retry jobs to enqueued, earliest runAt first.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [7] counts,
  [9] ready-queues, [10] delayed, [16] channel.
ARGV[1]: now (ms); ARGV[2]: limit.
Returns: an array of moved jobs, each a list whose first element is the state it left and the rest its job row
  (helpers.lua job_row).
Effects: state -> enqueued with runAt kept (a retry due at T ranks before a job enqueued after T at the same
  priority), updatedAt = now; one PUBLISH per queue that got a job.
Index: delayed ZSET scored by runAt; reads only `runAt <= now`, at most `limit` (ZRANGEBYSCORE ... LIMIT). ]]

local now, limit = ARGV[1], tonumber(ARGV[2])
local moved = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, limit)) do
  local job = load_job(id)
  if job and (job.state == 'scheduled' or job.state == 'awaiting_retry') then
    local from = job.state
    leave(job)
    enter(job, 'enqueued', nil, { 'updatedAt', now })
    local row = job_row(id)
    table.insert(row, 1, from)
    moved[#moved + 1] = row
  else
    zset_write(DELAYED, id, false)
  end
end
return commit(moved)
