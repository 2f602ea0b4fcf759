// rows.test.ts: the field lists scripts reply in and rows.ts reads by must agree, position by position: a job row
// carries no field names, so a drift would silently shift every field.
import { describe, expect, it } from 'vitest';
import { scripts } from './generated/scripts.js';
import { CLAIMED_FIELDS, claimedJob, JOB_FIELDS } from './rows.js';

/** The strings of the Lua table literal assigned to `name` in `source`. */
function luaList(source: string, name: string): string[] {
  const literal = new RegExp(`local ${name} = \\{([^}]*)\\}`).exec(source)?.[1];
  if (literal === undefined) throw new Error(`no ${name} table in the script`);
  return [...literal.matchAll(/'([^']*)'/g)].map((match) => match[1] as string);
}

describe('job rows', () => {
  it('reads job rows in the order helpers.lua JOB_FIELDS writes them', () => {
    expect(luaList(scripts.helpers, 'JOB_FIELDS')).toEqual([...JOB_FIELDS]);
  });

  it('reads claimed rows in the order fetch-and-lock.lua CLAIMED_FIELDS writes them', () => {
    expect(luaList(scripts['fetch-and-lock'], 'CLAIMED_FIELDS')).toEqual([...CLAIMED_FIELDS]);
  });

  it('fills in what the claim wrote from its own arguments', () => {
    const stored: Record<string, string | null> = {
      id: 'job-1',
      method: 'send',
      payload: '{"to":"a"}',
      queue: 'mail',
      priority: '5',
      state: 'enqueued',
      attempt: '2',
      maxAttempts: '3',
      runAt: '1000',
      createdAt: '900',
      metadata: '{"k":"v"}',
      lastError: '{"name":"Error","message":"boom"}',
    };
    const row = CLAIMED_FIELDS.map((name) => stored[name] ?? null);
    const claim = { serverId: 'server-1', leaseBase: 'base:', now: '2000', lockedUntil: '32000' };
    const job = claimedJob(row, claim, 3);
    expect(job).toMatchObject({
      id: 'job-1',
      payload: { to: 'a' },
      state: 'processing',
      attempt: 2,
      leaseId: 'base:3',
      lockedBy: 'server-1',
      lockedUntil: new Date(32000),
      startedAt: new Date(2000),
      updatedAt: new Date(2000),
      finishedAt: null,
      metadata: { k: 'v' },
      lastError: { name: 'Error', message: 'boom' },
    });
  });
});
