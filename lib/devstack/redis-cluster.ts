import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import type { ManagedProcess } from './child';
import { freePort, waitFor } from './ports';
import { spawnRedis } from './redis-server';

const run = promisify(execFile);

export interface RedisClusterOptions {
  /** redis-server; redis-cli is looked for beside it. */
  readonly binary: string;
  readonly host: string;
  /** One port per master (at least 3: Redis Cluster needs a majority of masters). */
  readonly ports: readonly number[];
  /**
   * Cluster bus ports, one per master; omitted: port + 10000 (Redis's default). Tests pass free
   * ports so that nothing else on the machine needs to be free.
   */
  readonly busPorts?: readonly number[];
  /** Data folder (a subfolder per node) with AOF on; omitted: a throw-away cluster (tests). */
  readonly dataDir?: string;
  readonly logDir?: string;
}

export interface RedisCluster {
  /** `host:port` of every master, for REDIS_CLUSTER_NODES. */
  readonly nodes: readonly string[];
  readonly processes: readonly ManagedProcess[];
  stop(graceMs?: number): Promise<void>;
}

export interface RedisClusterNodeOptions {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  /** Cluster bus port; omitted: port + 10000 (Redis's default). */
  readonly busPort?: number;
  /** This node's data folder (AOF on, its node file there); omitted: a throw-away node. */
  readonly dataDir?: string;
  /** Where a throw-away node keeps its node file; omitted: /tmp. */
  readonly scratchDir?: string;
  readonly logFile?: string;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

/**
 * Starts one cluster-enabled redis-server and waits for PING. A node whose data folder holds
 * its node file (`nodes.conf`) rejoins its cluster on its own: that is how a supervisor
 * restarts one node of a running cluster.
 */
export async function startRedisClusterNode(
  opts: RedisClusterNodeOptions,
): Promise<ManagedProcess> {
  const args = ['--port', String(opts.port), '--bind', opts.host, '--daemonize', 'no'];
  args.push('--protected-mode', 'no', '--save', '', '--cluster-enabled', 'yes');
  args.push('--cluster-node-timeout', '5000');
  if (opts.busPort !== undefined) args.push('--cluster-port', String(opts.busPort));
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    args.push('--dir', opts.dataDir, '--cluster-config-file', 'nodes.conf');
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  } else {
    // A throw-away node: its node file in a temp folder of its own, no persistence.
    const tmp = join(opts.scratchDir ?? '/tmp', `redis-cluster-${opts.port}`);
    mkdirSync(tmp, { recursive: true });
    args.push('--dir', tmp, '--cluster-config-file', `nodes-${opts.port}.conf`);
    args.push('--appendonly', 'no');
  }
  return spawnRedis(`redis-${opts.port}`, opts, args);
}

/**
 * Joins running nodes into one cluster of masters (`redis-cli --cluster create`) unless they
 * form one already, then waits until every node reports `cluster_state:ok`. Idempotent: a
 * restarted cluster whose nodes kept their node files is only waited for.
 */
export async function joinRedisCluster(
  redisServer: string,
  host: string,
  ports: readonly number[],
): Promise<void> {
  const nodes = ports.map((p) => `${host}:${p}`);
  if (!(await clusterFormed(host, ports))) {
    const cli = join(dirname(redisServer), 'redis-cli');
    await run(cli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
  }
  for (const port of ports) {
    await waitFor(`cluster_state:ok at ${host}:${port}`, () => clusterOk(host, port), 30_000, 100);
  }
}

/** True when the first node knows every other node (they were joined before). */
async function clusterFormed(host: string, ports: readonly number[]): Promise<boolean> {
  const r = new Redis({ host, port: ports[0], lazyConnect: true, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const known = String(await r.cluster('NODES'))
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    return known >= ports.length;
  } finally {
    r.disconnect();
  }
}

/**
 * Starts a Redis Cluster of masters only from Debian's redis-server: one process per port
 * with `--cluster-enabled yes`, joined by `redis-cli --cluster create` the first time (a data
 * folder that already holds the cluster's node files is restarted as it was). Waits until every
 * node reports `cluster_state:ok`.
 */
export async function startRedisCluster(opts: RedisClusterOptions): Promise<RedisCluster> {
  if (opts.ports.length < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const procs: ManagedProcess[] = [];
  const stop = async (graceMs = 10_000) => {
    await Promise.all(procs.map((p) => p.stop(graceMs)));
  };
  try {
    for (const [i, port] of opts.ports.entries()) {
      procs.push(
        await startRedisClusterNode({
          binary: opts.binary,
          host: opts.host,
          port,
          busPort: opts.busPorts?.[i],
          dataDir: opts.dataDir ? join(opts.dataDir, `node-${port}`) : undefined,
          scratchDir: opts.logDir,
          logFile: opts.logDir ? join(opts.logDir, `redis-${port}.log`) : undefined,
        }),
      );
    }
    await joinRedisCluster(opts.binary, opts.host, opts.ports);
    return { nodes: opts.ports.map((p) => `${opts.host}:${p}`), processes: procs, stop };
  } catch (err) {
    await stop(1000);
    throw err;
  }
}

/** True when the node at host:port serves all slots (`CLUSTER INFO` says `cluster_state:ok`). */
export async function clusterOk(host: string, port: number): Promise<boolean> {
  const r = new Redis({ host, port, lazyConnect: true, maxRetriesPerRequest: 0 });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const info = await r.cluster('INFO');
    return /cluster_state:ok/.test(info);
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Free ports for a throw-away cluster of `masters` nodes: a client port and a bus port each. */
export async function freeClusterPorts(
  masters = 3,
): Promise<{ ports: number[]; busPorts: number[] }> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const ports: number[] = [];
  const busPorts: number[] = [];
  for (let i = 0; i < masters; i++) {
    ports.push(await next());
    busPorts.push(await next());
  }
  return { ports, busPorts };
}
