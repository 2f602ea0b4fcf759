-- syncClock: reads the database's clock, which every server of a fleet corrects its own clock to (core's StoreClock
-- measures the offset around this round trip). clock_timestamp(), not now(): now() is the start of the transaction.
-- No parameters; needs no schema (it runs before the migrations).
-- Returns one row: now timestamptz, the database's current time.
SELECT clock_timestamp() AS now;
