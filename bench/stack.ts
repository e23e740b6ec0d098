import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRedisServer,
  findTemporal,
  freePort,
  startRedisServer,
  startTemporalServer,
  type ManagedProcess,
} from '../lib/devstack';

export interface BenchStack {
  readonly redisPort: number;
  readonly redisUrl: string;
  readonly temporalAddress: string;
  stop(): Promise<void>;
}

/** A Redis and a Temporal dev server of the bench's own, on free ports, with no persistence. */
export async function startBenchStack(): Promise<BenchStack> {
  const pathEnv = process.env.PATH ?? '';
  const logDir = join(tmpdir(), `fin-line-bench-${process.pid}`);
  const [redisPort, temporalPort] = [await freePort(), await freePort()];
  const procs: ManagedProcess[] = [];
  procs.push(
    await startRedisServer({
      binary: findRedisServer(pathEnv),
      host: '127.0.0.1',
      port: redisPort,
      logFile: join(logDir, 'redis.log'),
    }),
  );
  procs.push(
    await startTemporalServer({
      binary: findTemporal(pathEnv),
      host: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      headless: true,
      logFile: join(logDir, 'temporal.log'),
    }),
  );
  return {
    redisPort,
    redisUrl: `redis://127.0.0.1:${redisPort}`,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    async stop() {
      for (const p of procs.reverse()) await p.stop();
    },
  };
}
