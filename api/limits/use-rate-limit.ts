import { OperationTypeNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RateLimitAdmission } from './admission';
import { operationKind } from './operation-kind';

/** Options of {@link useRateLimit}. */
export interface RateLimitOptions {
  /** The admission policy, shared with the graphql-ws transport. */
  readonly admission: RateLimitAdmission;
  /**
   * The client a request counts against, without running resolvers: e.g. ApiAuth.clientId
   * (`key:<id>`, `sub:<subject>` or `ip:<address>`). `serverContext` is Yoga's server
   * context (`req` for Node's http server).
   */
  readonly identify: (request: Request, serverContext: unknown) => string | Promise<string>;
}

/**
 * Rate limiting per GraphQL request, before parsing and execution: one Redis round trip.
 * A refusal answers HTTP 429 with Retry-After and a GraphQL error with code RATE_LIMITED and
 * `extensions.retryAfter` (seconds). Probes and /metrics never reach it (they answer in
 * onRequest). graphql-ws operations do not pass through onParams: the WebSocket transport
 * calls the same admission from graphql-ws's onSubscribe.
 */
export function useRateLimit(opts: RateLimitOptions): Plugin {
  const { admission } = opts;
  const { mutationCost } = admission;
  return {
    // Not async: with limiting off, a promise per request would only make it wait a turn.
    onParams({ params, request, context, setResult }) {
      if (!admission.enabled) return;
      const kind =
        mutationCost === 1 ? undefined : operationKind(params.query, params.operationName);
      const cost =
        kind === OperationTypeNode.MUTATION || kind === OperationTypeNode.SUBSCRIPTION
          ? mutationCost
          : 1;
      return admission
        .admit(() => opts.identify(request, context), cost)
        .then((refused) => {
          if (refused) setResult({ errors: [refused] });
        });
    },
  };
}
