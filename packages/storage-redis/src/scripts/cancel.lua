--[[ cancel.lua: Storage.cancel. Moves an unfinished job to deleted and revokes its lease.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [9] ready-queues, [10] delayed, [11] processing, [12] expiring, [13] unique.
ARGV[1]: id; ARGV[2]: now (ms); ARGV[3]: expiresAt (ms or ''); ARGV[4]: the cancel's message (from
  core's cancelPushMessage: a prefix no queue name can hold, then the id).
Returns: { 0, job row } on success; { -1 } when the job does not exist; { -2, state } when it is already finished
  (codes: script-codes.ts ScriptCode).
Effects: state -> deleted, finishedAt = updatedAt = now, expiresAt as given (filed in expiring), lease cleared,
  uniqueKey freed; when it was processing, PUBLISH of ARGV[4] on [16], so the server running it stops the handler at
  once instead of at its next lease renewal. ]]

local id, now, expires_at, message = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
is_write_through = true
local job = load_job(id)
if not job then
  return { -1 }
end
if is_finished(job.state) then
  return { -2, job.state }
end
local was_processing = job.state == 'processing'
local sets, dels = { 'finishedAt', now, 'updatedAt', now }, {}
put(sets, dels, 'expiresAt', expires_at)
leave(job)
clear_lease(job, dels)
free_unique(job)
enter(job, 'deleted', expires_at, sets)
if was_processing then
  redis.call('PUBLISH', CHANNEL, message)
end
return commit({ 0, job_row(id) })
