-- migrate (step 0): lets migrate's transaction wait longer than other statements. It may queue behind another
-- process's migration (the advisory lock of step 1) or build an index over a large table, so the server must not
-- cancel it at the pool's statement_timeout / lock_timeout. Run first inside the transaction; reverts at its end.
-- $1 text: the migration timeout in ms ('0': none), the same the client waits (see migrate.ts).
-- Returns one row; effect: statement_timeout and lock_timeout set for this transaction only (SET LOCAL).
SELECT set_config('statement_timeout', $1, true), set_config('lock_timeout', $1, true);
