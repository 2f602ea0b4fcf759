-- list: jobs matching every given filter, oldest id first, one page.
-- $1 text: state (null = any); $2 text: queue (null = any); $3 text: method (null = any);
-- $4 integer: limit; $5 integer: offset. Returns the rows. Index: the primary key, read in id order.
SELECT *
FROM :"schema".jobs
WHERE ($1::text IS NULL OR state = $1)
  AND ($2::text IS NULL OR queue = $2)
  AND ($3::text IS NULL OR method = $3)
ORDER BY id
LIMIT $4
OFFSET $5;
