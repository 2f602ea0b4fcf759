--[[ remove-recurring.lua: Storage.removeRecurring. Deletes a recurring definition.
KEYS: the shared 16 (helpers.lua); touches [6] recurring hashes, [15] recurring-due.
ARGV[1]: id.
Returns: 1 when it existed, 0 when it did not.
Effects: recurring:<id> and its recurring-due entry deleted. ]]

redis.call('ZREM', RECURRING_DUE, ARGV[1])
return redis.call('DEL', RECURRING .. ARGV[1])
