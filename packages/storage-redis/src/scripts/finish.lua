--[[ finish.lua: Storage.finish. Moves claimed jobs to succeeded, failed, awaiting_retry or scheduled, each a
compare-and-set on leaseId + processing: a stale lease changes nothing for that job; the live ones of the batch still
apply.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [3] state ZSETs, [5] server-jobs SETs, [7] counts,
  [8] ids, [10] delayed, [11] processing, [12] expiring, [13] unique.
ARGV[1]: now (ms); ARGV[2]: number of outcomes n; then 8 slots per outcome: id, leaseId, to ('succeeded' |
  'failed' | 'awaiting_retry' | 'scheduled'), result (JSON text, opaque, or ''), error (JSON text built in
  TypeScript, or ''), runAt (ms, awaiting_retry and scheduled only, or ''), expiresAt (ms or ''), purge ('1' deletes
  the job in this same write).
Returns: an array of n integers: 1 when the outcome applied, 0 when its lease was stale.
Effects: lease cleared (leaseId, lockedBy, lockedUntil); succeeded stores result, finishedAt, expiresAt; failed
  stores lastError, finishedAt, expiresAt; both free the uniqueKey and file the job in expiring; awaiting_retry
  stores lastError (none when it carries none: a requested retry) and runAt and files it in delayed; scheduled (a snooze) refunds the attempt (attempt - 1), stores
  runAt and files it in delayed, keeping lastError. ]]

local now, n = ARGV[1], tonumber(ARGV[2])
is_write_through = n == 1
local applied = {}
for k = 0, n - 1 do
  local at = 3 + k * 8
  local id, lease_id, to = ARGV[at], ARGV[at + 1], ARGV[at + 2]
  local result, error_json, run_at, expires_at = ARGV[at + 3], ARGV[at + 4], ARGV[at + 5], ARGV[at + 6]
  local job = load_job(id)
  if job and job.state == 'processing' and job.leaseId == lease_id then
    applied[k + 1] = 1
    if ARGV[at + 7] == '1' then
      remove_job(job)
    else
      local sets, dels = { 'updatedAt', now }, {}
      if to == 'scheduled' then
        -- A snooze: the attempt is refunded and lastError stays as it was (an error given with it is ignored).
        sets[#sets + 1] = 'attempt'
        sets[#sets + 1] = tostring(math.max(tonumber(job.attempt) - 1, 0))
      elseif to == 'awaiting_retry' then
        -- A retry stores its error, or none (a WorkerResult.retry carries none): lastError is this attempt's.
        put(sets, dels, 'lastError', error_json)
      elseif error_json ~= '' then
        sets[#sets + 1] = 'lastError'
        sets[#sets + 1] = error_json
      end
      leave(job)
      if to == 'awaiting_retry' or to == 'scheduled' then
        job.runAt = run_at
        sets[#sets + 1] = 'runAt'
        sets[#sets + 1] = run_at
        clear_lease(job, dels)
        enter(job, to, run_at, sets)
      else
        if to == 'succeeded' then
          put(sets, dels, 'result', result)
        end
        sets[#sets + 1] = 'finishedAt'
        sets[#sets + 1] = now
        put(sets, dels, 'expiresAt', expires_at)
        clear_lease(job, dels)
        free_unique(job)
        enter(job, to, expires_at, sets)
      end
    end
  else
    applied[k + 1] = 0
  end
end
return commit(applied)
