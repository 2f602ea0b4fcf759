// storage.test.ts: PostgresStorage against the shared conformance suite, on the real server (DATABASE_URL), each
// test on a fresh schema that is dropped afterwards; peers are second storages with their own pools.
import { runStorageConformance } from '@jobsmith/core/testing';
import { postgresHarness } from './helpers.js';

runStorageConformance(postgresHarness());
