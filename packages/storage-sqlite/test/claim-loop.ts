// claim-loop.ts (test only): one "process" of multi-process.test.ts: opens the shared file and runs core's claim loop
// (runClaimLoopChild: ready, wait for go, claim 5 + finish until empty, print the claims).
// Usage: node --conditions=source --import tsx claim-loop.ts <filename> <serverId>
import { runClaimLoopChild } from '@jobsmith/core/testing';
import { SqliteStorage } from '../src/index.js';

const [filename, serverId] = process.argv.slice(2);
if (!filename || !serverId) throw new Error('usage: claim-loop.ts <filename> <serverId>');

await runClaimLoopChild(new SqliteStorage({ filename }), { serverId });
