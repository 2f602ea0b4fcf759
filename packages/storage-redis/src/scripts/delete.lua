--[[ delete.lua: Storage.delete. Removes a job whatever its state.
KEYS: the shared 16 (helpers.lua); touches [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [5] server-jobs SETs,
  [7] counts, [8] ids, [9] ready-queues, [10] delayed, [11] processing, [12] expiring, [13] unique.
ARGV[1]: id.
Returns: 1 when the job existed and is gone, 0 when it did not exist.
Effects: the job's hash and every index entry deleted; its uniqueKey freed if it held it. ]]

is_write_through = true
local job = load_job(ARGV[1])
if not job then
  return 0
end
remove_job(job)
return commit(1)
