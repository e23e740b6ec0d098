import type { GraphQLError } from 'graphql';
import { requireScripts, type Keys, type Redis } from '../../lib/redis';
import { ERROR_CODES, userError } from '../errors';

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** 0 when allowed; else how long until this request (same cost) would pass. */
  readonly retryAfterMs: number;
  /** Requests of cost 1 that would still pass right now. */
  readonly remaining: number;
}

export interface RateLimiter {
  /** False when the rate is 0: {@link consume} allows everything without touching Redis. */
  readonly enabled: boolean;
  /** Spends `cost` requests of the client's allowance, if it has them: one Redis round trip. */
  consume(clientId: string, cost?: number): Promise<RateLimitDecision>;
}

export interface RateLimiterOptions {
  /** A connection with the `rateLimit` script (createRedis's `scripts: API_SCRIPTS`). */
  readonly redis: Redis;
  readonly keys: Keys;
  /** Sustained requests per second per client; 0 disables limiting. */
  readonly perSecond: number;
  /** Requests a client may send at once after being idle (at least 1). */
  readonly burst: number;
}

const ALLOW_ALL: RateLimitDecision = { allowed: true, retryAfterMs: 0, remaining: Infinity };

/**
 * Per-client GCRA (generic cell rate algorithm: a token bucket kept as one timestamp) in
 * Redis, so every API instance shares one allowance per client; see
 * lib/redis/scripts/rate-limit.lua.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const { redis, keys, perSecond } = opts;
  if (perSecond <= 0) return { enabled: false, consume: () => Promise.resolve(ALLOW_ALL) };
  // Checked now: the limiter fails open, so a missing script would only show as no limit.
  requireScripts(redis, ['rateLimit'], 'the rate limiter');
  const burst = Math.max(1, Math.floor(opts.burst));
  // Whole microseconds keep the script's arithmetic exact; the rounding error is < 1 µs/request.
  const intervalUs = Math.max(1, Math.round(1_000_000 / perSecond));
  return {
    enabled: true,
    async consume(clientId, cost = 1) {
      // A cost above the burst could never pass; it is charged as a full burst instead.
      const c = Math.min(Math.max(1, Math.ceil(cost)), burst);
      const [allowed, retryAfterMs, remaining] = await redis.rateLimit(
        keys.rateLimit(clientId),
        intervalUs,
        burst,
        c,
      );
      return { allowed: allowed === 1, retryAfterMs, remaining };
    },
  };
}

/**
 * The error for a refused request: code RATE_LIMITED with `retryAfter` in whole seconds
 * (at least 1), and an `http` extension that Yoga turns into 429 with a Retry-After header.
 */
export function rateLimitedError(retryAfterMs: number): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return userError(ERROR_CODES.RATE_LIMITED, `rate limit exceeded: retry after ${retryAfter} s`, {
    retryAfter,
    http: { status: 429, headers: { 'retry-after': String(retryAfter) } },
  });
}
