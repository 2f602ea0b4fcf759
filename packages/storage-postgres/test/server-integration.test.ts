// server-integration.test.ts: the shared multi-process server suite on PostgreSQL: server processes, each with its
// own pool and LISTEN connection, on one schema.
import { runServerIntegration } from '@jobsmith/core/testing';
import { postgresServerHarness } from './server-harness.js';

runServerIntegration(postgresServerHarness);
