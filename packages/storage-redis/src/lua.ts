// lua.ts: runs the embedded Lua scripts. Each script is helpers.lua + its own file, sent by EVALSHA and, when the
// server does not know it yet (NOSCRIPT, e.g. after a restart or a failover), by EVAL, which also caches it.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { scripts } from './generated/scripts.js';

/** A transition script's name: its file under src/scripts without `.lua`. */
export type ScriptName = Exclude<keyof typeof scripts, 'helpers'>;

interface LoadedScript {
  body: string;
  sha: string;
}

const loaded = new Map<ScriptName, LoadedScript>();

function load(name: ScriptName): LoadedScript {
  let script = loaded.get(name);
  if (!script) {
    const body = `${scripts.helpers}\n${scripts[name]}`;
    script = { body, sha: createHash('sha1').update(body).digest('hex') };
    loaded.set(name, script);
  }
  return script;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Runs `name` with the installation's KEYS and `args` as ARGV; resolves to the script's reply. */
export async function runScript(
  client: Redis | Cluster,
  name: ScriptName,
  keys: readonly string[],
  args: readonly string[],
): Promise<unknown> {
  const script = load(name);
  // One array, not spread arguments: a large enqueue batch carries tens of thousands of ARGV entries.
  const keysAndArgs = keys.concat(args);
  try {
    return await client.evalsha(script.sha, keys.length, keysAndArgs);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return client.eval(script.body, keys.length, keysAndArgs);
  }
}
