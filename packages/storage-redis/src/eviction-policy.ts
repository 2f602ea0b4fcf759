// eviction-policy.ts: the readiness check that Redis will not evict jobsmith's keys. Under any maxmemory-policy but
// noeviction a full Redis drops keys, whole backlogs of jobs, and no command fails; only noeviction turns a full
// memory into write errors a caller sees. Reads the policy from INFO (CONFIG is often disabled on managed Redis).
import type { Cluster, Redis } from 'ioredis';

const POLICY_LINE = /^maxmemory_policy:(\S+)/m;

/** The one policy under which Redis never drops a key on its own. */
export const SAFE_EVICTION_POLICY = 'noeviction';

/**
 * The maxmemory-policy of the node serving the installation (of every master, on a Cluster, since the slot may move),
 * skipping a node whose INFO is refused or unreadable: an unknown policy is not a reason to refuse to start.
 */
export async function readEvictionPolicies(client: Redis | Cluster): Promise<string[]> {
  const nodes: (Redis | Cluster)[] = client.isCluster ? (client as Cluster).nodes('master') : [client];
  const policies: string[] = [];
  for (const node of nodes) {
    try {
      const policy = POLICY_LINE.exec(await node.info('memory'))?.[1];
      if (policy !== undefined) policies.push(policy);
    } catch {
      // INFO renamed, refused by an ACL, or the node went away meanwhile: carry on unchecked.
    }
  }
  return policies;
}

/** What a storage reports about an evicting `policy`: the risk and how to fix it. */
export function evictionPolicyProblem(policy: string): string {
  return (
    `Redis maxmemory-policy is ${policy}, so a full Redis evicts keys and silently loses jobs; set it to ` +
    `${SAFE_EVICTION_POLICY} (\`CONFIG SET maxmemory-policy ${SAFE_EVICTION_POLICY}\`, or ` +
    `\`maxmemory-policy ${SAFE_EVICTION_POLICY}\` in redis.conf), or pass evictionPolicy: 'warn' to run anyway`
  );
}
