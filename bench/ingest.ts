import type { WorkflowBundle } from '@temporalio/worker';
import { startWorkflow } from '../clients';
import { ingestFeedWorkflow } from '../contract';
import { createLogger } from '../lib/logger';
import { keysOf, createRedis } from '../lib/redis';
import { PROJECT_ROOT } from '../lib/devstack/binaries';
import { spawnManaged } from '../lib/devstack/child';
import { freePort, waitFor, isListening } from '../lib/devstack/ports';
import { benchConfig } from './stages';
import type { BenchStack } from './stack';
import { startBenchWorker } from './worker';

/**
 * Raw events per second written to raw:events by the ingestFeed workflow's activity, from
 * the local simulator running flat out, measured over `seconds` after a one-second warm-up.
 * The simulator runs in its own process, as under `npm start`: in this one it would share the
 * worker's event loop and the figure would measure the two together.
 */
export async function benchIngest(
  stack: BenchStack,
  bundle: WorkflowBundle,
  seconds: number,
  partitions = 1,
): Promise<number> {
  const simEnv = {
    SIMULATOR_EVENTS_PER_SECOND: '10000000',
    SIMULATOR_PORT: String(await freePort()),
    SIMULATOR_SPIKE_PROBABILITY: '0',
    LOG_LEVEL: 'warn',
  };
  const config = benchConfig(stack, { ...simEnv, PIPELINE_PARTITIONS: String(partitions) });
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const redis = createRedis(config.redis);
  const keys = keysOf(config);
  const sim = spawnManaged(
    'simulator',
    process.execPath,
    ['--import', 'tsx', `${PROJECT_ROOT}/simulator/main.ts`],
    { cwd: PROJECT_ROOT, env: { ...process.env, ...simEnv } },
  );
  const url = `ws://${config.simulator.host}:${config.simulator.port}`;
  await waitFor('the simulator', () => isListening(config.simulator.host, config.simulator.port));
  const worker = await startBenchWorker(config, bundle, logger);
  const { client } = worker;
  try {
    const handle = await startWorkflow(client, ingestFeedWorkflow, {
      taskQueue: config.temporal.taskQueue,
      workflowId: `${config.temporal.taskQueue}-feed`,
      args: [{ name: 'bench', adapter: 'simulator', url }],
    });
    // Every partition's raw stream: the feed routes each event to its ticker's.
    const rawLength = async () => {
      let n = 0;
      for (const pk of keys.all) n += await redis.xlen(pk.rawEvents);
      return n;
    };
    while ((await rawLength()) < 1) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 1000));
    const l0 = await rawLength();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const l1 = await rawLength();
    const rate = (l1 - l0) / ((performance.now() - t0) / 1000);
    await handle.terminate('bench done');
    return rate;
  } finally {
    await worker.stop();
    await sim.stop(5000);
    for (const pk of keys.all) await redis.del(pk.rawEvents);
    await redis.quit();
  }
}
