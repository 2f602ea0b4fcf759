--[[ list.lua: Storage.list (read only). Jobs matching every filter given, ordered by id, paginated.
KEYS: the shared 16 (helpers.lua); reads [1] job hashes, [3] state ZSETs, [8] ids.
ARGV[1]: state (or ''); ARGV[2]: queue (or ''); ARGV[3]: method (or ''); ARGV[4]: limit; ARGV[5]: offset.
Returns: an array of jobs, each its job row (helpers.lua job_row).
Index: state:<state> when a state is given, else ids: both ZSETs scored 0, so rank order is id order. Without a
  queue or method filter the page is read directly by rank; with one, the set is walked in id order in chunks and
  each job's queue and method compared (admin path: cost grows with the jobs skipped, never a periodic sweep). ]]

local state, queue, method = ARGV[1], ARGV[2], ARGV[3]
local limit, offset = tonumber(ARGV[4]), tonumber(ARGV[5])
local source = IDS
if state ~= '' then
  source = STATE .. state
end
local page = {}
if limit <= 0 then
  return page
end
if queue == '' and method == '' then
  for _, id in ipairs(redis.call('ZRANGE', source, offset, offset + limit - 1)) do
    page[#page + 1] = job_row(id)
  end
  return page
end

local CHUNK = 500
local start, skipped = 0, 0
while #page < limit do
  local ids = redis.call('ZRANGE', source, start, start + CHUNK - 1)
  if #ids == 0 then
    break
  end
  for _, id in ipairs(ids) do
    local fields = redis.call('HMGET', JOB .. id, 'queue', 'method')
    if (queue == '' or fields[1] == queue) and (method == '' or fields[2] == method) then
      if skipped < offset then
        skipped = skipped + 1
      elseif #page < limit then
        page[#page + 1] = job_row(id)
      end
    end
  end
  start = start + CHUNK
end
return page
