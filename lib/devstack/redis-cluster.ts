import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { spawnManaged, type ManagedProcess } from './child';
import { freePort, waitFor } from './ports';
import { ping } from './redis-server';

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
  let known = true;
  try {
    for (const [i, port] of opts.ports.entries()) {
      const dir = opts.dataDir ? join(opts.dataDir, `node-${port}`) : undefined;
      const args = ['--port', String(port), '--bind', opts.host, '--daemonize', 'no'];
      args.push('--protected-mode', 'no', '--save', '', '--cluster-enabled', 'yes');
      args.push('--cluster-node-timeout', '5000');
      const bus = opts.busPorts?.[i];
      if (bus !== undefined) args.push('--cluster-port', String(bus));
      if (dir) {
        mkdirSync(dir, { recursive: true });
        if (!existsSync(join(dir, 'nodes.conf'))) known = false;
        args.push('--dir', dir, '--cluster-config-file', 'nodes.conf');
        args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
      } else {
        known = false;
        // A throw-away node: its node file in a temp folder of its own, no persistence.
        const tmp = join(opts.logDir ?? '/tmp', `redis-cluster-${port}`);
        mkdirSync(tmp, { recursive: true });
        args.push('--dir', tmp, '--cluster-config-file', `nodes-${port}.conf`);
        args.push('--appendonly', 'no');
      }
      const logFile = opts.logDir ? join(opts.logDir, `redis-${port}.log`) : undefined;
      procs.push(spawnManaged(`redis-${port}`, opts.binary, args, { logFile }));
    }
    for (const port of opts.ports) {
      await waitFor(
        `redis-server at ${opts.host}:${port}`,
        () => ping(opts.host, port),
        20_000,
        50,
      );
    }
    const nodes = opts.ports.map((p) => `${opts.host}:${p}`);
    if (!known) {
      const cli = join(dirname(opts.binary), 'redis-cli');
      await run(cli, ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    }
    for (const port of opts.ports) {
      await waitFor(
        `cluster_state:ok at ${opts.host}:${port}`,
        () => clusterOk(opts.host, port),
        30_000,
        100,
      );
    }
    return { nodes, processes: procs, stop };
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
