// server-child.ts: the script a parent test spawns as a job-server process (see server-processes.ts). It only reads
// its spec and hands over to runServerChild; never import it, it runs at load.
// Usage: node --conditions=source --import tsx server-child.ts '<ServerChildSpec as JSON>'
import { runServerChild } from './child-runtime.js';
import type { ServerChildSpec } from './protocol.js';

const [specJson] = process.argv.slice(2);
if (specJson === undefined) throw new Error("usage: server-child.ts '<ServerChildSpec as JSON>'");
await runServerChild(JSON.parse(specJson) as ServerChildSpec);
