-- counts: how many jobs each queue holds in each state (only pairs that exist).
-- Inputs: none. Returns: rows { queue, state, n }.
SELECT queue, state, COUNT(*) AS n FROM {{jobs}} GROUP BY queue, state
