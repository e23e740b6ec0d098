import { randomBytes } from 'node:crypto';
import type { WorkflowBundle } from '@temporalio/worker';
import { startWorkflow } from '../clients';
import { pipelineWorkflow } from '../contract';
import {
  BlockingPool,
  createActivities,
  createWorkerMetrics,
  type ActivityDeps,
} from '../activities';
import { loadConfig, type Config } from '../lib/config';
import { createLogger } from '../lib/logger';
import { createRegistry } from '../lib/metrics';
import {
  keysOf,
  createRedis,
  GROUPS,
  streamGroups,
  WORKER_SCRIPTS,
  type Redis,
  type Stage,
} from '../lib/redis';
import { preloadNormalized, preloadRaw } from './events';
import type { BenchStack } from './stack';
import { startBenchWorker } from './worker';

export type Mode = 'temporal' | 'plain';

export function benchConfig(stack: BenchStack, extra: Record<string, string> = {}): Config {
  const id = `bench-${randomBytes(3).toString('hex')}`;
  return loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: `${id}:`,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    TEMPORAL_TASK_QUEUE: id,
    INGEST_MAX_LEN: '20000000',
    PIPELINE_BATCH_SIZE: process.env.BENCH_BATCH_SIZE ?? '2000',
    ...(process.env.BENCH_SLOTS ? { PIPELINE_NORMALIZE_SLOTS: process.env.BENCH_SLOTS } : {}),
    ...extra,
  });
}

async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  for await (const batch of redis.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<
    string[]
  >) {
    if (batch.length) await redis.del(...batch);
  }
}

async function groupDrained(redis: Redis, stream: string, group: string): Promise<boolean> {
  const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
  return g !== undefined && g.lag === 0 && g.pending === 0;
}

/**
 * Events per second through one stage for `n` preloaded events: through the Temporal
 * pipeline workflow and a real worker, or ('plain') the same activity code called in a loop
 * with no Temporal in between — the baseline the Temporal figure is divided by.
 */
export async function benchStage(
  stack: BenchStack,
  bundle: WorkflowBundle,
  stage: Extract<Stage, 'normalize' | 'anomaly'>,
  mode: Mode,
  n: number,
): Promise<number> {
  const config = benchConfig(stack, { PIPELINE_BLOCK_MS: mode === 'plain' ? '0' : '100' });
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const redis = createRedis(config.redis, { scripts: WORKER_SCRIPTS });
  const keys = keysOf(config);
  try {
    if (stage === 'normalize') await preloadRaw(redis, keys, n);
    else await preloadNormalized(redis, keys, n);
    const source = stage === 'normalize' ? keys.rawEvents : keys.normalizedEvents;
    const slots = stage === 'normalize' ? config.pipeline.normalizeSlots : 1;

    if (mode === 'plain') {
      const deps: ActivityDeps = {
        config,
        redis,
        blocking: new BlockingPool(redis),
        keys,
        logger,
        metrics: createWorkerMetrics(createRegistry('bench')),
        sectors: new Map(),
        now: Date.now,
        shutdown: new AbortController().signal,
      };
      const acts = createActivities(deps);
      await acts.ensureGroups();
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: slots }, async (_, slot) => {
          while ((await acts.processBatch({ stage, slot })).count > 0);
        }),
      );
      const secs = (performance.now() - t0) / 1000;
      await deps.blocking.close();
      return n / secs;
    }

    const worker = await startBenchWorker(config, bundle, logger);
    const { client } = worker;
    try {
      const t0 = performance.now();
      const handle = await startWorkflow(client, pipelineWorkflow, {
        taskQueue: config.temporal.taskQueue,
        workflowId: `${config.temporal.taskQueue}-${stage}`,
        args: [{ stages: [stage], normalizeSlots: slots }],
      });
      for (;;) {
        if (await groupDrained(redis, source, GROUPS[stage]).catch(() => false)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const secs = (performance.now() - t0) / 1000;
      await handle.terminate('bench done');
      return n / secs;
    } finally {
      await worker.stop();
    }
  } finally {
    await dropPrefix(redis, config.redis.keyPrefix);
    await redis.quit();
  }
}
