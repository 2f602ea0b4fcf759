--[[ list.lua: Storage.list. Jobs matching every filter given, ordered by id, paginated.
KEYS: the shared 16 (helpers.lua); reads [1] job hashes, [2] ready ZSETs, [3] state ZSETs, [8] ids, [9] ready-queues,
  [11] processing; writes only a scratch ZSET that it deletes before returning.
ARGV[1]: state (or ''); ARGV[2]: queue (or ''); ARGV[3]: method (or ''); ARGV[4]: limit; ARGV[5]: offset.
Returns: an array of jobs, each its job row (helpers.lua job_row).
Index: state:<state> when the state has one, else ids: both ZSETs scored 0, so rank order is id order. Without a
  filter the page is read directly by rank; with one, the ZSET is walked in id order in chunks and each job's fields
  compared (admin path: cost grows with the jobs skipped, never a periodic sweep).
  Enqueued and processing jobs have no state ZSET (helpers.lua HAS_STATE_SET): their ids come from the ready ZSETs or
  PROCESSING, which are not in id order. The script takes the cheaper of two reads: walking ids while the page is
  near its start among many jobs of that state, else sorting that state's ids in the scratch ZSET (one C sort, not
  Lua comparisons). ]]

local state, queue, method = ARGV[1], ARGV[2], ARGV[3]
local limit, offset = tonumber(ARGV[4]), tonumber(ARGV[5])
local page = {}
if limit <= 0 then
  return page
end

local function matches(id, is_state_checked)
  local fields = redis.call('HMGET', JOB .. id, 'state', 'queue', 'method')
  return (not is_state_checked or fields[1] == state) and (queue == '' or fields[2] == queue)
    and (method == '' or fields[3] == method)
end

-- The page of `source` (a ZSET in id order); `is_state_checked` when source holds other states' jobs too.
local function page_in_id_order(source, is_state_checked)
  if not is_state_checked and queue == '' and method == '' then
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
      if matches(id, is_state_checked) then
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
end

if state == '' then
  return page_in_id_order(IDS, false)
end
if HAS_STATE_SET[state] then
  return page_in_id_order(STATE .. state, false)
end

-- Enqueued or processing: the working indexes holding the state's jobs, and each one's id from its member.
local sources, id_from = {}, nil
if state == 'processing' then
  sources[1] = PROCESSING
  id_from = function(member) return member end
else
  local queues = queue ~= '' and { queue } or redis.call('SMEMBERS', READY_QUEUES)
  for i, name in ipairs(queues) do
    sources[i] = READY .. name
  end
  id_from = function(member) return string.sub(member, RANK_LEN + 1) end
end
local in_state = 0
for _, source in ipairs(sources) do
  in_state = in_state + redis.call('ZCARD', source)
end
if in_state == 0 then
  return page
end

-- Walking ids reads about (offset + limit) * total / in_state jobs; sorting reads in_state.
local total = redis.call('ZCARD', IDS)
if (offset + limit) * total / in_state < in_state then
  return page_in_id_order(IDS, true)
end
local SCRATCH = STATE .. '~list'
-- A queue filter on enqueued jobs is already applied: the sources are that queue's ready ZSET.
local is_filtered = method ~= '' or (queue ~= '' and state == 'processing')
local scratch = {}
for _, source in ipairs(sources) do
  for _, member in ipairs(redis.call('ZRANGE', source, 0, -1)) do
    local id = id_from(member)
    if not is_filtered or matches(id, false) then
      scratch[#scratch + 1] = 0
      scratch[#scratch + 1] = id
    end
  end
end
call_sliced('ZADD', SCRATCH, scratch)
local ids = redis.call('ZRANGE', SCRATCH, offset, offset + limit - 1)
redis.call('DEL', SCRATCH)
for _, id in ipairs(ids) do
  page[#page + 1] = job_row(id)
end
return page
