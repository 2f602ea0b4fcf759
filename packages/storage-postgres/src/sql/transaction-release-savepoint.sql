-- transaction-release-savepoint: keeps what was written since transaction-savepoint, as part of the transaction.
RELEASE SAVEPOINT jobsmith_enqueue;
