-- transaction-rollback-to-savepoint: undoes everything since transaction-savepoint (a lost race, or an error that
-- aborted it) and leaves the transaction usable.
ROLLBACK TO SAVEPOINT jobsmith_enqueue;
