-- list: jobs matching every given filter (a NULL filter matches all), oldest id first, one page.
-- Inputs: $state, $queue, $method (each or NULL), $limit (rows), $offset (rows).
-- Returns: the rows. Index: the primary key walks id order; filters are checked per row.
SELECT * FROM {{jobs}}
WHERE ($state IS NULL OR state = $state)
  AND ($queue IS NULL OR queue = $queue)
  AND ($method IS NULL OR method = $method)
ORDER BY id
LIMIT $limit OFFSET $offset
