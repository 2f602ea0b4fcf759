// keys.ts: every Redis key (and the wake-up channel) of one installation, all under the hash tag `{prefix}` so they
// share one Cluster slot. Names live here only: scripts receive fixed keys and key prefixes in KEYS and build per-job,
// per-queue and per-server keys from those prefixes, which is Cluster-safe only because of the shared hash tag.

/** The fixed keys and key prefixes, in the order every script receives them as KEYS[1..16]. */
export interface KeyLayout {
  /** `job:<id>` hashes: one per job (fields in rows.ts). */
  readonly jobPrefix: string;
  /** `ready:<queue>` ZSETs: enqueued jobs, all scored 0, member `<rank>:<id>` (see helpers.lua). */
  readonly readyPrefix: string;
  /** `state:<state>` ZSETs: ids per state, all scored 0 so members sort by id (list by state). */
  readonly statePrefix: string;
  /** `server:<id>` hashes: one per registered server. */
  readonly serverPrefix: string;
  /** `server-jobs:<id>` SETs: the processing jobs locked by each server (reclaim reads only these). */
  readonly serverJobsPrefix: string;
  /** `recurring:<id>` hashes: one per recurring definition. */
  readonly recurringPrefix: string;
  /** HASH `<state>:<queue>` -> count of jobs; a field is deleted when it reaches 0. */
  readonly counts: string;
  /** ZSET of every job id, all scored 0 so members sort by id (list without a state). */
  readonly ids: string;
  /** SET of queues whose ready ZSET is not empty (claims from every queue read it). */
  readonly readyQueues: string;
  /** ZSET of scheduled and awaiting_retry job ids scored by runAt ms. */
  readonly delayed: string;
  /** ZSET of processing job ids scored by lockedUntil ms. */
  readonly processing: string;
  /** ZSET of finished job ids that have an expiresAt, scored by expiresAt ms. */
  readonly expiring: string;
  /** HASH uniqueKey -> id of the unfinished job holding it. */
  readonly unique: string;
  /** ZSET of server ids scored by last heartbeat ms. */
  readonly servers: string;
  /** ZSET of recurring definition ids scored by nextRunAt ms. */
  readonly recurringDue: string;
  /** Pub/sub channel (not a key): scripts publish a queue name when jobs become enqueued on it, and cancel.lua a
   * cancelled running job's id (core's cancelPushMessage). */
  readonly channel: string;
  /** HASH of installation metadata (`version`), written by migrate. */
  readonly meta: string;
}

/** Builds the layout for `prefix` (validated by options.ts). */
export function keyLayout(prefix: string): KeyLayout {
  const base = `{${prefix}}:`;
  return Object.freeze({
    jobPrefix: `${base}job:`,
    readyPrefix: `${base}ready:`,
    statePrefix: `${base}state:`,
    serverPrefix: `${base}server:`,
    serverJobsPrefix: `${base}server-jobs:`,
    recurringPrefix: `${base}recurring:`,
    counts: `${base}counts`,
    ids: `${base}ids`,
    readyQueues: `${base}ready-queues`,
    delayed: `${base}delayed`,
    processing: `${base}processing`,
    expiring: `${base}expiring`,
    unique: `${base}unique`,
    servers: `${base}servers`,
    recurringDue: `${base}recurring-due`,
    channel: `${base}jobs-available`,
    meta: `${base}meta`,
  });
}

/**
 * KEYS[1..16] of every script, in the order helpers.lua names them. The key prefixes and the channel are never keys
 * themselves, and that matters on a Cluster: while the installation's slot moves to another master, Redis refuses
 * (TRYAGAIN) a command whose keys are not all present, so no script ever runs on half-moved data.
 */
export function scriptKeys(keys: KeyLayout): string[] {
  return [
    keys.jobPrefix,
    keys.readyPrefix,
    keys.statePrefix,
    keys.serverPrefix,
    keys.serverJobsPrefix,
    keys.recurringPrefix,
    keys.counts,
    keys.ids,
    keys.readyQueues,
    keys.delayed,
    keys.processing,
    keys.expiring,
    keys.unique,
    keys.servers,
    keys.recurringDue,
    keys.channel,
  ];
}

/** SCAN pattern matching every key of the installation (tests and tools use it to drop one). */
export function allKeysPattern(prefix: string): string {
  return `{${prefix}}:*`;
}
