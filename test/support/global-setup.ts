import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findRedisServer,
  freeClusterPorts,
  startEphemeralStack,
  startRedisCluster,
  type ManagedProcess,
} from '../../lib/devstack';

/**
 * One real Redis, one real 3-master Redis Cluster and one real Temporal dev server for the
 * whole run, on free ports; tests keep apart by key prefix and task queue. Addresses reach the
 * test files through the env (the `cluster` jest project runs its suites on the cluster).
 */
export default async function globalSetup(): Promise<void> {
  const logDir = join(tmpdir(), `fin-line-test-${process.pid}`);
  const stack = await startEphemeralStack({
    pathEnv: process.env.PATH ?? '',
    logDir,
    // Small histories so continue-as-new paths run in tests.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 400 },
  });
  const { ports, busPorts } = await freeClusterPorts(3);
  const cluster = await startRedisCluster({
    binary: findRedisServer(process.env.PATH ?? ''),
    host: '127.0.0.1',
    ports,
    busPorts,
    logDir,
  });
  (globalThis as { __finLineStack?: readonly ManagedProcess[] }).__finLineStack = [
    ...stack.processes,
    ...cluster.processes,
  ];
  process.env.FIN_LINE_TEST_REDIS_CLUSTER_NODES = cluster.nodes.join(',');
  process.env.FIN_LINE_TEST_REDIS_URL = stack.redisUrl;
  process.env.FIN_LINE_TEST_TEMPORAL_ADDRESS = stack.temporalAddress;
  process.env.FIN_LINE_TEST_LOG_DIR = logDir;
}
