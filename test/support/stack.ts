import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config, type Env } from '../../lib/config';
import {
  ALL_SCRIPTS,
  createRedis,
  deleteMatching,
  keysOf,
  type Keys,
  type Redis,
} from '../../lib/redis';

/** Addresses of the Redis and Temporal servers that global-setup started. */
export function stackEnv(): { redisUrl: string; temporalAddress: string } {
  const redisUrl = process.env.FIN_LINE_TEST_REDIS_URL;
  const temporalAddress = process.env.FIN_LINE_TEST_TEMPORAL_ADDRESS;
  if (!redisUrl || !temporalAddress) throw new Error('test stack not started (jest globalSetup)');
  return { redisUrl, temporalAddress };
}

/** A fresh id for keys, queues and workflow ids, so tests never see each other's data. */
export function uniqueId(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Which Redis the suite runs on: the single server, or (in the jest project `cluster`, which
 * sets FIN_LINE_TEST_REDIS_MODE) the 3-master Redis Cluster.
 */
export function onCluster(): boolean {
  return process.env.FIN_LINE_TEST_REDIS_MODE === 'cluster';
}

/** The environment of a config pointing at the test stack, with its own key prefix and task queue. */
export function testEnv(overrides: Env = {}): Env {
  const { redisUrl, temporalAddress } = stackEnv();
  const id = uniqueId();
  const clusterNodes = process.env.FIN_LINE_TEST_REDIS_CLUSTER_NODES;
  if (onCluster() && !clusterNodes) throw new Error('test cluster not started (jest globalSetup)');
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    REDIS_URL: redisUrl,
    ...(onCluster() ? { REDIS_CLUSTER_NODES: clusterNodes } : {}),
    REDIS_KEY_PREFIX: `${id}:`,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_TASK_QUEUE: id,
    // Tests share one Temporal server: their pipeline workflows (pipeline-p<N>) must not meet.
    PIPELINE_WORKFLOW_ID: `pipeline-${id}`,
    API_PORT: '0',
    // Workers write the archive under DATA_DIR: keep it out of the work tree.
    DATA_DIR: join(process.env.FIN_LINE_TEST_LOG_DIR ?? tmpdir(), 'data', id),
    SIMULATOR_PORT: '0',
    WORKER_METRICS_PORT: '0',
    ...overrides,
  };
}

/** A config pointing at the test stack, with its own key prefix and task queue. */
export function testConfig(overrides: Env = {}): Config {
  return loadConfig(testEnv(overrides));
}

export interface RedisFixture {
  readonly redis: Redis;
  readonly keys: Keys;
  /** Deletes every key under the prefix and closes the connection. */
  close(): Promise<void>;
}

export function redisFixture(config: Config): RedisFixture {
  // Every script: a test's connection stands in for the API's or the worker's.
  const redis = createRedis(config.redis, { scripts: ALL_SCRIPTS });
  const keys = keysOf(config);
  return {
    redis,
    keys,
    async close() {
      await deleteMatching(redis, `${config.redis.keyPrefix}*`);
      await redis.quit();
    },
  };
}

export interface TemporalFixture {
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function temporalFixture(config: Config): Promise<TemporalFixture> {
  const connection = await Connection.connect({ address: config.temporal.address });
  const nativeConnection = await NativeConnection.connect({ address: config.temporal.address });
  const client = new Client({ connection, namespace: config.temporal.namespace });
  return {
    client,
    nativeConnection,
    async close() {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
