-- transaction-commit: commits a transaction opened by transaction-begin.
COMMIT;
