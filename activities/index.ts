import { createArchiveActivities } from './archive';
import { createBacktestActivities } from './backtest';
import type { ActivityDeps } from './deps';
import { createIngestActivities } from './feed';
import { createPipelineActivities, createRedriveActivities, createStageRunner } from './pipeline';

export type { ActivityDeps } from './deps';
export { BlockingPool } from './blocking-pool';
export { createWorkerMetrics, type WorkerMetrics } from './metrics';

/** All activities, built from their dependencies (registered on the worker as one object). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIngestActivities(deps),
    ...createPipelineActivities(deps),
    ...createStageRunner(deps),
    ...createRedriveActivities(deps),
    ...createArchiveActivities(deps),
    ...createBacktestActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
