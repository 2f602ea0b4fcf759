-- transaction-begin: opens the short transactions of migrate and fireRecurring (READ COMMITTED, the default).
BEGIN;
