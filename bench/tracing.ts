import { loadConfig } from '../lib/config';
import { createLogger } from '../lib/logger';
import { startTracing, type Tracing } from '../lib/tracing';
import { TRACING_WORKFLOW_MODULES } from '../workers/build-worker';

let tracing: Tracing | undefined;

/**
 * The bench process's tracing, from the same OTEL_* variables as every process (off unless
 * they configure an exporter): its workers are traced like `npm run worker`, so a run with
 * and one without show what tracing costs.
 */
export function benchTracing(): Tracing {
  tracing ??= startTracing(loadConfig(process.env).tracing, {
    process: 'bench',
    logger: createLogger({ level: 'warn', name: 'bench' }),
  });
  return tracing;
}

/** What bundleWorkflowCode needs for a traced worker (nothing when tracing is off). */
export function benchInterceptorModules(): { workflowInterceptorModules?: string[] } {
  return benchTracing().enabled
    ? { workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES] }
    : {};
}
