import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import type { Config } from '../../lib/config';
import type { Tracing } from '../../lib/tracing';
import {
  buildWorker,
  TRACING_WORKFLOW_MODULES,
  type BuiltWorker,
} from '../../workers/build-worker';
import type { TemporalFixture } from './stack';

let bundle: Promise<WorkflowBundle> | undefined;
let tracedBundle: Promise<WorkflowBundle> | undefined;
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The workflows bundled once per test file (webpack takes seconds on two cores). */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: quiet,
  });
  return bundle;
}

/** The workflows with the tracing interceptors, as a traced worker bundles them. */
export function tracedWorkflowBundle(): Promise<WorkflowBundle> {
  tracedBundle ??= bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [...TRACING_WORKFLOW_MODULES],
    logger: quiet,
  });
  return tracedBundle;
}

/** A real fin-line worker on the test task queue; `stop()` shuts it down and closes its connections. */
export async function startTestWorker(
  config: Config,
  temporal: TemporalFixture,
  opts: { readonly tracing?: Tracing } = {},
): Promise<BuiltWorker & { running: Promise<void>; stop(): Promise<void> }> {
  const logger = createLogger({ level: config.logLevel, name: 'test-worker' });
  const built = await buildWorker({
    config,
    logger,
    registry: createRegistry('test-worker'),
    connection: temporal.nativeConnection,
    workflowBundle: await (opts.tracing?.enabled ? tracedWorkflowBundle() : workflowBundle()),
    tracing: opts.tracing,
  });
  const running = built.worker.run();
  return {
    ...built,
    running,
    async stop() {
      built.shutdown();
      await running;
      await built.close();
    },
  };
}

type Truthy<T> = Exclude<T, undefined | null | false | 0 | ''>;

/** Polls until `fn` returns a truthy value; throws with the last value after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as Truthy<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
