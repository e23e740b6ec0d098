import { OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { Counter, type Registry } from 'prom-client';
import { operationKind } from './operation-kind';
import { rateLimitedError, type RateLimitDecision, type RateLimiter } from './rate-limit';

/** Options of {@link useRateLimit}. */
export interface RateLimitOptions {
  readonly limiter: RateLimiter;
  /**
   * The client a request counts against, without running resolvers: e.g. ApiAuth.clientId
   * (`key:<id>`, `sub:<subject>` or `ip:<address>`). `serverContext` is Yoga's server
   * context (`req` for Node's http server).
   */
  readonly identify: (request: Request, serverContext: unknown) => string | Promise<string>;
  /** Cost of a mutation or subscription, in requests. @defaultValue 1 */
  readonly mutationCost?: number;
  /** Registers `api_rate_limited_total` and `api_rate_limit_errors_total`. */
  readonly registry?: Registry;
  /**
   * Called when Redis cannot answer. The request is let through (fail open): the limiter
   * protects the service, it must not take it down with it.
   */
  readonly onError?: (err: unknown) => void;
}

/**
 * Rate limiting per GraphQL request, before parsing and execution: one Redis round trip.
 * A refusal answers HTTP 429 with Retry-After and a GraphQL error with code RATE_LIMITED and
 * `extensions.retryAfter` (seconds). Probes and /metrics never reach it (they answer in
 * onRequest). graphql-ws operations do not pass through onParams: check them in graphql-ws's
 * onSubscribe with the limiter, rateLimitClientId and rateLimitedError.
 */
export function useRateLimit(opts: RateLimitOptions): Plugin {
  const { limiter } = opts;
  const mutationCost = opts.mutationCost ?? 1;
  const refused =
    opts.registry &&
    counter(opts.registry, 'api_rate_limited_total', 'Requests refused by the rate limiter.');
  const failed =
    opts.registry &&
    counter(
      opts.registry,
      'api_rate_limit_errors_total',
      'Rate-limit checks that failed (request allowed).',
    );
  return {
    async onParams({ params, request, context, setResult }) {
      if (!limiter.enabled) return;
      const kind =
        mutationCost === 1 ? undefined : operationKind(params.query, params.operationName);
      const cost =
        kind === OperationTypeNode.MUTATION || kind === OperationTypeNode.SUBSCRIPTION
          ? mutationCost
          : 1;
      let decision: RateLimitDecision;
      try {
        decision = await limiter.consume(await opts.identify(request, context), cost);
      } catch (err) {
        failed?.inc();
        opts.onError?.(err);
        return;
      }
      if (decision.allowed) return;
      refused?.inc();
      setResult({ errors: [rateLimitedError(decision.retryAfterMs)] });
    },
  };
}

function counter(registry: Registry, name: string, help: string): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, registers: [registry] });
}
