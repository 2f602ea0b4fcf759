// storage.test.ts: SqliteStorage runs the shared conformance suite unchanged, on a temporary file per test (peers
// are second connections to it) and on a private ':memory:' database (which is its own peer, and says so).
import { runStorageConformance } from '@jobsmith/core/testing';
import { fileHarness, memoryHarness } from './harness.js';

runStorageConformance(fileHarness());
runStorageConformance(memoryHarness());
