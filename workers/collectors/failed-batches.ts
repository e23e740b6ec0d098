import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../lib/logger';
import { decodeFailedBatch, STAGES, type Keys, type Redis } from '../../lib/redis';
import { sharedSnapshot } from './snapshot';
import { collectorErrors } from './streams';

/**
 * Replay markers (`batch:committed:<id>`) live 30 days from the replay; batches that failed in
 * the last 29 days therefore still show whether they were replayed.
 */
const WINDOW_MS = 29 * 24 * 3600 * 1000;

/** Options of {@link registerFailedBatchCollector}. */
export interface FailedBatchCollectorOptions {
  readonly redis: Redis;
  readonly keys: Keys;
  readonly logger: Logger;
  /** Newest failed batches read per scrape at most. @defaultValue 1000 */
  readonly maxScan?: number;
  /** @defaultValue 5000 */
  readonly maxAgeMs?: number;
  /** @defaultValue 2000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

/**
 * `finline_failed_batches{stage}`: batches recorded in `batches:failed` within the last 29 days
 * and not replayed yet (no replay marker). A scrape reads at most `maxScan` of the newest
 * records and checks their markers: bounded whatever the stream's size.
 */
export function registerFailedBatchCollector(
  registry: Registry,
  opts: FailedBatchCollectorOptions,
): void {
  const { redis, keys } = opts;
  const now = opts.now ?? Date.now;
  const maxScan = opts.maxScan ?? 1000;
  const errors = collectorErrors(registry);
  const stageLabel = (stage: string) => ((STAGES as string[]).includes(stage) ? stage : 'other');

  const snapshot = sharedSnapshot(
    async (): Promise<Map<string, number>> => {
      const since = Math.max(0, now() - WINDOW_MS);
      const batches: { batchId: string; stage: string; replayed: number }[] = [];
      for (const pk of keys.all) {
        const entries = (await redis.xrevrange(
          pk.failedBatches,
          '+',
          `${since}-0`,
          'COUNT',
          maxScan,
        )) as [id: string, fields: string[]][];
        const found = entries.map(([, fields]) => decodeFailedBatch(fields));
        const replayed = await Promise.all(
          found.map((b) => redis.exists(pk.batchMarker(b.batchId))),
        );
        found.forEach((b, i) => batches.push({ ...b, replayed: replayed[i]! }));
      }
      const open = new Map<string, number>(STAGES.map((s) => [s, 0]));
      batches.forEach((b) => {
        if (b.replayed) return;
        const stage = stageLabel(b.stage);
        open.set(stage, (open.get(stage) ?? 0) + 1);
      });
      return open;
    },
    {
      maxAgeMs: opts.maxAgeMs ?? 5000,
      timeoutMs: opts.timeoutMs ?? 2000,
      onError: (err) => {
        errors.inc({ collector: 'failed_batches' });
        opts.logger.debug({ err }, 'failed-batch metrics not read');
      },
    },
  );

  new Gauge({
    name: 'finline_failed_batches',
    help: 'Batches that failed permanently in the last 29 days and are not replayed yet',
    labelNames: ['stage'],
    registers: [registry],
    async collect() {
      const open = await snapshot();
      this.reset();
      for (const [stage, n] of open ?? []) this.set({ stage }, n);
    },
  });
}
