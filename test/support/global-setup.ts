import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRedisServer,
  findTemporal,
  freePort,
  startRedisServer,
  startTemporalServer,
  type ManagedProcess,
} from '../../lib/devstack';

/**
 * One real Redis and one real Temporal dev server for the whole run, on free ports; tests
 * keep apart by key prefix and task queue. Addresses reach the test files through the env.
 */
export default async function globalSetup(): Promise<void> {
  const pathEnv = process.env.PATH ?? '';
  const logDir = join(tmpdir(), `fin-line-test-${process.pid}`);
  const [redisPort, temporalPort] = [await freePort(), await freePort()];
  const redis = await startRedisServer({
    binary: findRedisServer(pathEnv),
    host: '127.0.0.1',
    port: redisPort,
    logFile: join(logDir, 'redis.log'),
  });
  let temporal: ManagedProcess;
  try {
    temporal = await startTemporalServer({
      binary: findTemporal(pathEnv),
      host: '127.0.0.1',
      port: temporalPort,
      namespace: 'default',
      headless: true,
      logFile: join(logDir, 'temporal.log'),
      // Small histories so continue-as-new paths run in tests.
      dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 400 },
    });
  } catch (err) {
    await redis.stop();
    throw err;
  }
  (globalThis as { __finLineStack?: ManagedProcess[] }).__finLineStack = [temporal, redis];
  process.env.FIN_LINE_TEST_REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  process.env.FIN_LINE_TEST_TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
  process.env.FIN_LINE_TEST_LOG_DIR = logDir;
}
