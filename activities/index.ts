import { createArchiveActivities } from './archive';
import type { ActivityDeps } from './deps';
import { createIngestActivities } from './ingest';
import { createPipelineActivities } from './pipeline';

export type { ActivityDeps } from './deps';
export { BlockingPool } from './blocking-pool';
export { createWorkerMetrics, type WorkerMetrics } from './metrics';
export type { FeedInput, FeedProgress } from './ingest';
export { FEED_ERRORS } from './ingest';
export type { BatchInput, BatchResult, QuarantineInput } from './pipeline';
export type {
  ArchiveManifest,
  CopyCheckpoint,
  CopyProgress,
  CopyResult,
  TrimResult,
} from './archive';
export { ARCHIVE_ERRORS } from './archive';

/** All activities, built from their dependencies (registered on the worker as one object). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createIngestActivities(deps),
    ...createPipelineActivities(deps),
    ...createArchiveActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
