import type { Redis } from './redis';

/** What `/readyz` answers: overall, and each dependency by name. */
export interface Readiness {
  readonly ok: boolean;
  readonly checks: Record<string, boolean>;
}

/** `promise`'s value, or `fallback` when it rejects or takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * True when Redis answers PING in time. A connection that is not `ready` fails at once:
 * ioredis would otherwise queue the PING until it reconnects, and the probe would hang.
 */
export async function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  return (await withTimeout(redis.ping(), timeoutMs, 'timeout')) === 'PONG';
}
