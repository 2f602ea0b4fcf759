-- counts: how many jobs each queue has in each state. No parameters.
-- Returns rows (queue, state, n integer); absent pairs are zero (the caller fills them in).
SELECT queue, state, count(*)::integer AS n FROM :"schema".jobs GROUP BY queue, state;
