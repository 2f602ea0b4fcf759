-- listen: subscribes the storage's dedicated listener connection to its schema's channel (:"channel", named from
-- the schema), whose payloads are queue names sent by pg_notify from enqueue, promoteDue, release,
-- requeueExpiredLeases, reclaimDeadServers and retryFailed. No parameters (LISTEN takes none).
LISTEN :"channel";
