import type { NativeConnection, Worker } from '@temporalio/worker';
import { redisReady, withTimeout, type Readiness } from '../lib/readiness';
import type { Redis } from '../lib/redis';

/** What the worker's readiness looks at; undefined until the worker is built. */
export interface WorkerReadinessTarget {
  readonly redis: Redis;
  readonly connection: NativeConnection;
  readonly worker: Worker;
}

/**
 * The worker's `/readyz`: ready when Redis answers PING, Temporal answers GetSystemInfo (each
 * within `timeoutMs`) and the worker is RUNNING (polling; not yet, or no longer when it drains
 * on SIGTERM).
 */
export function workerReadiness(
  target: () => WorkerReadinessTarget | undefined,
  timeoutMs: number,
): () => Promise<Readiness> {
  return async () => {
    const t = target();
    if (!t) return { ok: false, checks: { redis: false, temporal: false, worker: false } };
    const [redis, temporal] = await Promise.all([
      redisReady(t.redis, timeoutMs),
      withTimeout(
        t.connection.workflowService.getSystemInfo({}).then(() => true),
        timeoutMs,
        false,
      ),
    ]);
    const worker = t.worker.getState() === 'RUNNING';
    return { ok: redis && temporal && worker, checks: { redis, temporal, worker } };
  };
}
