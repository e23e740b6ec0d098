import { mkdirSync } from 'node:fs';
import Redis from 'ioredis';
import { spawnManaged, type ManagedProcess } from './child';
import { waitFor } from './ports';

export interface RedisServerOptions {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  /** Data folder with AOF on; omitted: no persistence (tests). */
  readonly dataDir?: string;
  /**
   * AOF fsync policy with a data folder. @defaultValue 'everysec' (at most about a second of
   * writes lost when the machine, not only the process, goes down)
   */
  readonly appendfsync?: 'always' | 'everysec';
  readonly logFile?: string;
  /** In a process group of its own (see SpawnOptions.detached). */
  readonly detached?: boolean;
}

/** Starts a redis-server of our own and waits for PING. */
export async function startRedisServer(opts: RedisServerOptions): Promise<ManagedProcess> {
  const args = ['--port', String(opts.port), '--bind', opts.host, '--daemonize', 'no'];
  args.push('--save', '', '--protected-mode', 'no');
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    args.push(
      '--dir',
      opts.dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      opts.appendfsync ?? 'everysec',
    );
  } else {
    args.push('--appendonly', 'no');
  }
  return spawnRedis('redis', opts, args);
}

/**
 * Spawns redis-server with `args` and waits for it to answer PING on `opts.host:opts.port`;
 * stops it again when it never does.
 */
export async function spawnRedis(
  name: string,
  opts: Pick<RedisServerOptions, 'binary' | 'host' | 'port' | 'logFile' | 'detached'>,
  args: readonly string[],
): Promise<ManagedProcess> {
  const proc = spawnManaged(name, opts.binary, [...args], {
    logFile: opts.logFile,
    detached: opts.detached,
  });
  await waitFor(
    `redis-server at ${opts.host}:${opts.port}`,
    () => ping(opts.host, opts.port),
    20_000,
    50,
  ).catch(async (err) => {
    await proc.stop(1000);
    throw err;
  });
  return proc;
}

export async function ping(host: string, port: number): Promise<boolean> {
  const r = new Redis({
    host,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => undefined); // refusals are the expected answer while it starts
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}
