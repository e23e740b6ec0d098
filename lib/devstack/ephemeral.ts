import { findRedisServer, findTemporal } from './binaries';
import type { ManagedProcess } from './child';
import { freePort } from './ports';
import { startRedisServer } from './redis-server';
import { startTemporalServer } from './temporal-server';

export interface EphemeralStack {
  readonly redisPort: number;
  readonly redisUrl: string;
  readonly temporalAddress: string;
  /** The processes, Temporal first, for callers that must keep them (jest's teardown). */
  readonly processes: readonly ManagedProcess[];
  stop(): Promise<void>;
}

/**
 * A throw-away Redis and Temporal dev server (headless, in memory) on free ports, for tests,
 * benchmarks and history recording.
 */
export async function startEphemeralStack(opts: {
  pathEnv: string;
  logDir: string;
  dynamicConfig?: Readonly<Record<string, unknown>>;
}): Promise<EphemeralStack> {
  const [redisPort, temporalPort] = [await freePort(), await freePort()];
  const redis = await startRedisServer({
    binary: findRedisServer(opts.pathEnv),
    host: '127.0.0.1',
    port: redisPort,
    logFile: `${opts.logDir}/redis.log`,
  });
  let temporal: ManagedProcess;
  try {
    temporal = await startTemporalServer({
      binary: findTemporal(opts.pathEnv),
      host: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      headless: true,
      logFile: `${opts.logDir}/temporal.log`,
      dynamicConfig: opts.dynamicConfig,
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  const processes = [temporal, redis];
  return {
    redisPort,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    processes,
    async stop() {
      await Promise.all(processes.map((p) => p.stop(10_000)));
    },
  };
}
