-- notify: wakes the listeners of channel $1 for each queue of $2 (text[]), after an enqueue on the pool committed
-- without a NOTIFY of its own. PostgreSQL serializes the commits of transactions that NOTIFY, WAL flush included, so
-- single enqueues that notified in their own transaction could not share a flush (group commit); this statement
-- writes nothing, so its commit waits for no flush. Measured with 50 enqueues in flight: 1,800-2,400 -> 3,500-4,800 a
-- second.
-- Returns one row: sent, the number of queues notified. Effects: one pg_notify(channel, queue) per queue, at commit.
SELECT count(pg_notify($1::text, q.queue)) AS sent
FROM unnest($2::text[]) AS q (queue);
