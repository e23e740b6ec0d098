import IORedis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { scriptDefinitions, type ScriptName } from './scripts';

/**
 * A connection to fin-line's Redis: one server (`REDIS_URL`) or a Redis Cluster
 * (`REDIS_CLUSTER_NODES`). Both take the same commands; on a cluster a multi-key command,
 * pipeline or script must keep to one hash slot, which the partitioned key layout does
 * (lib/redis/keys.ts).
 */
export type Redis = IORedis | Cluster;

/** Where Redis is: `config.redis` fits. */
export interface RedisTarget {
  readonly url: string;
  /** `host:port` of some cluster nodes; set, the connection is a Cluster and `url` is unused. */
  readonly clusterNodes?: readonly string[] | undefined;
}

/** ioredis's options, with fin-line's scripts asked for by name. */
export type CreateRedisOptions = Omit<RedisOptions, 'scripts'> & {
  /**
   * The Lua scripts this connection calls (e.g. API_SCRIPTS, WORKER_SCRIPTS). None by
   * default: subscribers, readers and CLIs call none, and a role registers only its own.
   */
  readonly scripts?: readonly ScriptName[];
};

/** Opens a connection (a Cluster when the target names cluster nodes) with the named scripts. */
export function createRedis(target: string | RedisTarget, options: CreateRedisOptions = {}): Redis {
  const { scripts = [], ...rest } = options;
  const t = typeof target === 'string' ? { url: target } : target;
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: 20,
    enableAutoPipelining: false,
    ...rest,
  };
  const defined = scripts.length > 0 ? { scripts: scriptDefinitions(scripts) } : {};
  if (t.clusterNodes && t.clusterNodes.length > 0) {
    const clusterOptions: ClusterOptions = {
      redisOptions,
      ...defined,
      // A failover or a resharding answers MOVED/ASK/CLUSTERDOWN for a moment: keep going.
      enableReadyCheck: true,
      maxRedirections: 32,
      retryDelayOnClusterDown: 200,
      retryDelayOnFailover: 200,
      retryDelayOnTryAgain: 100,
      clusterRetryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 6), 5000),
      // Keep the configured names (127.0.0.1) rather than what CLUSTER SLOTS reports.
      natMap: undefined,
      enableOfflineQueue: rest.enableOfflineQueue ?? true,
      shardedSubscribers: true,
    };
    return new Cluster(t.clusterNodes.map(hostPortOf), clusterOptions);
  }
  return new IORedis(t.url, { ...redisOptions, ...defined });
}

/** True for a Cluster connection. */
export function isCluster(redis: Redis): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * The masters of a cluster, or the one server: for commands that are per node (SCAN, INFO,
 * FLUSHDB, CONFIG).
 */
export function nodesOf(redis: Redis): IORedis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

function hostPortOf(node: string): { host: string; port: number } {
  const i = node.lastIndexOf(':');
  return { host: node.slice(0, i), port: Number(node.slice(i + 1)) };
}
