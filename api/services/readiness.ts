import { redisReady, type Readiness } from '../../lib/readiness';
import type { Redis } from '../../lib/redis';

export { redisReady, type Readiness } from '../../lib/readiness';

/** Options of {@link createReadiness}. */
export interface ReadinessOptions {
  readonly redis: Redis;
  /** Whether Temporal answers within the timeout (WorkflowOps.ping); must not reject. */
  readonly temporalPing: (timeoutMs: number) => Promise<boolean>;
  /** How long each check may take before it counts as down. */
  readonly timeoutMs: number;
}

/** The API's readiness check: Redis and Temporal, in parallel, each bounded by the timeout. */
export function createReadiness(opts: ReadinessOptions): () => Promise<Readiness> {
  return async () => {
    const [redis, temporal] = await Promise.all([
      redisReady(opts.redis, opts.timeoutMs),
      opts.temporalPing(opts.timeoutMs),
    ]);
    return { ok: redis && temporal, checks: { redis, temporal } };
  };
}
