import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import { createKeys, createRedis } from '../lib/redis';
import { createSimulator } from '../simulator';
import { buildWorker } from '../workers/build-worker';
import { benchConfig } from './stages';
import type { BenchStack } from './stack';

/**
 * Raw events per second written to raw:events by the ingestFeed workflow's activity, from
 * the local simulator running flat out, measured over `seconds` after a one-second warm-up.
 */
export async function benchIngest(
  stack: BenchStack,
  bundle: WorkflowBundle,
  seconds: number,
): Promise<number> {
  const config = benchConfig(stack, {
    SIMULATOR_EVENTS_PER_SECOND: '10000000',
    SIMULATOR_PORT: '0',
    SIMULATOR_SPIKE_PROBABILITY: '0',
  });
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const redis = createRedis(config.redis.url);
  const keys = createKeys(config.redis.keyPrefix);
  const sim = createSimulator({
    config: config.simulator,
    logger,
    registry: createRegistry('bench-sim'),
  });
  const { url } = await sim.start();
  const native = await NativeConnection.connect({ address: config.temporal.address });
  const connection = await Connection.connect({ address: config.temporal.address });
  const client = new Client({ connection });
  const built = await buildWorker({
    config,
    logger,
    registry: createRegistry('bench'),
    connection: native,
    workflowBundle: bundle,
  });
  const running = built.worker.run();
  try {
    const handle = await client.workflow.start('ingestFeed', {
      taskQueue: config.temporal.taskQueue,
      workflowId: `${config.temporal.taskQueue}-feed`,
      args: [{ name: 'bench', adapter: 'simulator', url }],
    });
    const waitLen = async (min: number) => {
      while ((await redis.xlen(keys.rawEvents)) < min) await new Promise((r) => setTimeout(r, 10));
    };
    await waitLen(1);
    await new Promise((r) => setTimeout(r, 1000));
    const l0 = await redis.xlen(keys.rawEvents);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const l1 = await redis.xlen(keys.rawEvents);
    const rate = (l1 - l0) / ((performance.now() - t0) / 1000);
    await handle.terminate('bench done');
    return rate;
  } finally {
    built.shutdown();
    await running;
    await built.close();
    await sim.stop();
    await native.close();
    await connection.close();
    await redis.del(keys.rawEvents);
    await redis.quit();
  }
}
