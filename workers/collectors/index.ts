import type { Registry } from 'prom-client';
import type { LazyArchiveSink } from '../../lib/archive';
import type { Logger } from '../../lib/logger';
import type { Keys, Redis } from '../../lib/redis';
import { registerArchiveCollector } from './archive';
import { registerFailedBatchCollector } from './failed-batches';
import { registerStreamCollector } from './streams';

export { registerArchiveCollector } from './archive';
export { registerFailedBatchCollector } from './failed-batches';
export { monitoredStreams, registerStreamCollector } from './streams';
export { temporalSdkMetrics, type TemporalSdkMetrics } from './temporal-sdk';

/**
 * The worker's pipeline-health series read on scrape: stream lag and pending, Redis memory,
 * open failed batches and the last archived day. Each is one bounded read per scrape (shared
 * by concurrent scrapes) and leaves its series out when the read fails.
 */
export function registerWorkerCollectors(
  registry: Registry,
  deps: { redis: Redis; keys: Keys; logger: Logger; archiveSink?: LazyArchiveSink },
): void {
  const logger = deps.logger.child({ module: 'metrics' });
  registerStreamCollector(registry, { redis: deps.redis, keys: deps.keys, logger });
  registerFailedBatchCollector(registry, { redis: deps.redis, keys: deps.keys, logger });
  if (deps.archiveSink) registerArchiveCollector(registry, { sink: deps.archiveSink, logger });
}
