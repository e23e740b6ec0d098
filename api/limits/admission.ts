import type { GraphQLError } from 'graphql';
import { Counter, type Registry } from 'prom-client';
import { rateLimitedError, type RateLimitDecision, type RateLimiter } from './rate-limit';

/** Options of {@link createRateLimitAdmission}. */
export interface RateLimitAdmissionOptions {
  readonly limiter: RateLimiter;
  /** Cost of a mutation or subscription, in requests. @defaultValue 1 */
  readonly mutationCost?: number;
  /** Registers `finline_api_rate_limited_total` and `finline_api_rate_limit_errors_total`. */
  readonly registry?: Registry;
  /**
   * Called when the limiter cannot answer (Redis down, a slow reply past its retries). The
   * operation is let through (fail open): the limiter protects the service, it must not take
   * it down with it.
   */
  readonly onError?: (err: unknown) => void;
}

/**
 * The one admission policy of every transport: spend the client's allowance, refuse with
 * RATE_LIMITED when it is spent, let the operation through when the check itself fails.
 */
export interface RateLimitAdmission {
  /** False when limiting is off: {@link admit} lets everything through without a look. */
  readonly enabled: boolean;
  /** What a mutation or subscription costs, in requests (a query costs 1). */
  readonly mutationCost: number;
  /**
   * Charges `cost` to the client `identify` names; resolves to the error that refuses the
   * operation, or undefined to let it run. Never rejects: a failing `identify` or limiter
   * is reported to `onError`, counted, and admitted.
   */
  admit(identify: () => string | Promise<string>, cost: number): Promise<GraphQLError | undefined>;
}

/** Builds the admission shared by the HTTP plugin (useRateLimit) and the graphql-ws transport. */
export function createRateLimitAdmission(opts: RateLimitAdmissionOptions): RateLimitAdmission {
  const { limiter, registry } = opts;
  const refused =
    registry &&
    counter(registry, 'finline_api_rate_limited_total', 'Requests refused by the rate limiter.');
  const failed =
    registry &&
    counter(
      registry,
      'finline_api_rate_limit_errors_total',
      'Rate-limit checks that failed (request allowed).',
    );
  return {
    enabled: limiter.enabled,
    mutationCost: opts.mutationCost ?? 1,
    async admit(identify, cost) {
      if (!limiter.enabled) return undefined;
      let decision: RateLimitDecision;
      try {
        decision = await limiter.consume(await identify(), cost);
      } catch (err) {
        failed?.inc();
        opts.onError?.(err);
        return undefined;
      }
      if (decision.allowed) return undefined;
      refused?.inc();
      return rateLimitedError(decision.retryAfterMs);
    },
  };
}

function counter(registry: Registry, name: string, help: string): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, registers: [registry] });
}
