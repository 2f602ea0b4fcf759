-- migrate (step 2): creates the schema and its migrations ledger if missing; runs under the migrate lock.
-- No parameters (several statements, sent as one simple query).
-- Effects: schema :"schema" and table :"schema".migrations exist. Idempotent.
CREATE SCHEMA IF NOT EXISTS :"schema";
CREATE TABLE IF NOT EXISTS :"schema".migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL
);
