-- transaction-rollback: abandons a transaction opened by transaction-begin after an error; nothing it wrote stays.
ROLLBACK;
