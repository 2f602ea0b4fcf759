-- transaction-savepoint: marks where enqueue's replace path (enqueue-replace.ts) starts inside its transaction, so
-- that a lost race can be undone (transaction-rollback-to-savepoint) without ending the transaction, which may be the
-- app's own.
SAVEPOINT jobsmith_enqueue;
