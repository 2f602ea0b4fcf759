-- listen: subscribes the storage's dedicated listener connection to its schema's channel (:"channel", named from
-- the schema), whose payloads are queue names sent by pg_notify from enqueue, promoteDue, release,
-- requeueExpiredLeases, reclaimDeadServers and retryFailed, and cancelled job ids (prefixed, see listener.ts) sent by
-- cancel. No parameters (LISTEN takes none).
LISTEN :"channel";
