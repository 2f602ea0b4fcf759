-- migrate (bootstrap): the table of applied migrations, created before any migration runs.
-- Inputs: none. Effects: creates {{migrations}} if missing; a no-op otherwise.
-- Invariant: one row per applied version; runs inside migrate's BEGIN IMMEDIATE, so racing processes serialize.
CREATE TABLE IF NOT EXISTS {{migrations}} (
  version    INTEGER NOT NULL PRIMARY KEY,
  name       TEXT    NOT NULL,
  applied_at INTEGER NOT NULL
)
