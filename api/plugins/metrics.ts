import { getOperationAST, type ExecutionArgs } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Operation names are client-chosen, so label values are capped to bound series count. */
const MAX_OPERATION_NAMES = 200;
const NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** Options of {@link useGraphQLMetrics}. */
export interface GraphQLMetricsOptions {
  readonly registry: Registry;
  /** @defaultValue 200 */
  readonly maxOperationNames?: number;
}

/**
 * Records `finline_graphql_request_duration_seconds{operation_name}` (from parsed params to result,
 * so parse and validation failures count too) and `finline_graphql_errors_total{operation_name,code}`.
 */
export function useGraphQLMetrics(opts: GraphQLMetricsOptions): Plugin {
  const { registry } = opts;
  const maxNames = opts.maxOperationNames ?? MAX_OPERATION_NAMES;
  const duration =
    registry.getSingleMetric('finline_graphql_request_duration_seconds') ??
    new Histogram({
      name: 'finline_graphql_request_duration_seconds',
      help: 'GraphQL operation duration, from parsed request to result, in seconds.',
      labelNames: ['operation_name'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  const errors =
    registry.getSingleMetric('finline_graphql_errors_total') ??
    new Counter({
      name: 'finline_graphql_errors_total',
      help: 'GraphQL errors returned to clients, by operation and extensions.code.',
      labelNames: ['operation_name', 'code'],
      registers: [registry],
    });
  if (!(duration instanceof Histogram) || !(errors instanceof Counter)) {
    throw new Error('graphql metrics already registered with a different type');
  }

  const seen = new Set<string>();
  const label = (name: string | null | undefined): string => {
    if (!name) return 'anonymous';
    if (!NAME.test(name)) return 'invalid';
    if (seen.has(name)) return name;
    if (seen.size >= maxNames) return 'other';
    seen.add(name);
    return name;
  };
  // Keyed by Request: the one object the params, execute and result hooks all see. Batching
  // is off; turning it on would put several operations on one Request.
  const inFlight = new WeakMap<Request, { start: number; operationName: string }>();

  return {
    onParams({ request, params }) {
      inFlight.set(request, {
        start: performance.now(),
        operationName: label(params.operationName),
      });
    },
    onExecute({ args }) {
      // The document names the operation even when the client sent no operationName.
      const state = inFlight.get(args.contextValue.request);
      // Envelop types these as any to stay independent of the graphql version.
      const { document, operationName } = args as Pick<ExecutionArgs, 'document' | 'operationName'>;
      const op = getOperationAST(document, operationName);
      if (state && op) state.operationName = label(op.name?.value);
    },
    onExecutionResult({ request, result }) {
      const state = inFlight.get(request);
      inFlight.delete(request);
      // Streams (subscriptions, @defer) live as long as the client wants; timing them here
      // would measure the client, so they are left to their own metrics when they arrive.
      if (!state || result === undefined || isAsyncIterable(result)) return;
      const { operationName } = state;
      duration.observe({ operation_name: operationName }, (performance.now() - state.start) / 1000);
      for (const err of result.errors ?? []) {
        const code = err.extensions?.code;
        errors.inc({
          operation_name: operationName,
          code: typeof code === 'string' ? code : 'UNCLASSIFIED',
        });
      }
    },
  };
}
