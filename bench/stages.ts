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
  deleteMatching,
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

async function groupDrained(redis: Redis, stream: string, group: string): Promise<boolean> {
  const g = (await streamGroups(redis, stream)).find((x) => x.name === group);
  return g !== undefined && g.lag === 0 && g.pending === 0;
}

/**
 * Events per second through one stage for `n` preloaded events over `partitions` partitions:
 * through one Temporal pipeline workflow per partition and a real worker, or ('plain') the
 * same activity code called in a loop with no Temporal in between — the baseline the
 * Temporal figure is divided by. Normalize slots per partition: PIPELINE_NORMALIZE_SLOTS's
 * default (4 over all partitions) unless BENCH_SLOTS sets them.
 */
export async function benchStage(
  stack: BenchStack,
  bundle: WorkflowBundle,
  stage: Extract<Stage, 'normalize' | 'anomaly'>,
  mode: Mode,
  n: number,
  partitions = 1,
): Promise<number> {
  const config = benchConfig(stack, {
    PIPELINE_BLOCK_MS: mode === 'plain' ? '0' : '100',
    PIPELINE_PARTITIONS: String(partitions),
  });
  const logger = createLogger({ level: 'warn', name: 'bench' });
  const redis = createRedis(config.redis, { scripts: WORKER_SCRIPTS });
  const keys = keysOf(config);
  try {
    if (stage === 'normalize') await preloadRaw(redis, keys, n);
    else await preloadNormalized(redis, keys, n);
    const sources = keys.all.map((pk) =>
      stage === 'normalize' ? pk.rawEvents : pk.normalizedEvents,
    );
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
      for (const { partition } of keys.all) await acts.ensureGroups({ partition });
      const t0 = performance.now();
      await Promise.all(
        keys.all.flatMap(({ partition }) =>
          Array.from({ length: slots }, async (_, slot) => {
            while ((await acts.processBatch({ partition, stage, slot })).count > 0);
          }),
        ),
      );
      const secs = (performance.now() - t0) / 1000;
      await deps.blocking.close();
      return n / secs;
    }

    const worker = await startBenchWorker(config, bundle, logger);
    const { client } = worker;
    try {
      const t0 = performance.now();
      const handles = await Promise.all(
        keys.all.map(({ partition }) =>
          startWorkflow(client, pipelineWorkflow, {
            taskQueue: config.temporal.taskQueue,
            workflowId: `${config.temporal.taskQueue}-${stage}-p${partition}`,
            args: [{ partition, stages: [stage], normalizeSlots: slots }],
          }),
        ),
      );
      for (;;) {
        const done = await Promise.all(
          sources.map((s) => groupDrained(redis, s, GROUPS[stage]).catch(() => false)),
        );
        if (done.every(Boolean)) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      const secs = (performance.now() - t0) / 1000;
      await Promise.all(handles.map((h) => h.terminate('bench done')));
      return n / secs;
    } finally {
      await worker.stop();
    }
  } finally {
    await deleteMatching(redis, `${config.redis.keyPrefix}*`);
    await redis.quit();
  }
}
