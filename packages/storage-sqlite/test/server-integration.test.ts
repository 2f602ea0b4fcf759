// server-integration.test.ts: the shared multi-process server suite on SQLite: server processes sharing one database
// file (the embedded default), the later ones starting while the first runs.
import { runServerIntegration } from '@jobsmith/core/testing';
import { sqliteServerHarness } from './server-harness.js';

runServerIntegration(sqliteServerHarness);
