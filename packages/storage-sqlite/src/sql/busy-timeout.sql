-- withoutBusyWait (statements.ts): the connection's current busy_timeout, to put back after an attempt ran with 0.
-- Inputs: none. Returns: one row { timeout } (ms). Reads the live value each time it runs (a table-valued pragma),
-- unlike a prepared PRAGMA statement, which keeps the value it saw when prepared.
SELECT timeout FROM pragma_busy_timeout
