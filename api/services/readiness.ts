import type { Redis } from '../../lib/redis';

/** What `/readyz` answers: overall, and each dependency by name. */
export interface Readiness {
  readonly ok: boolean;
  readonly checks: Record<string, boolean>;
}

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

/**
 * True when Redis answers PING in time. A connection that is not `ready` fails at once:
 * ioredis would otherwise queue the PING until it reconnects, and the probe would hang.
 */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
