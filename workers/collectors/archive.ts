import { Gauge, type Registry } from 'prom-client';
import { dayRange, type LazyArchiveSink } from '../../lib/archive';
import type { Logger } from '../../lib/logger';
import { sharedSnapshot } from './snapshot';
import { collectorErrors } from './streams';

/** Options of {@link registerArchiveCollector}. */
export interface ArchiveCollectorOptions {
  readonly sink: LazyArchiveSink;
  readonly logger: Logger;
  /** The archive changes once a day: its listing is read again after this. @defaultValue 60000 */
  readonly maxAgeMs?: number;
  /** @defaultValue 5000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

interface LastDay {
  readonly sink: string;
  readonly day: string;
  readonly verifiedAt: number;
}

/**
 * The last archived day (the newest manifest, the archive's commit point), read from the sink
 * itself so that it survives restarts and agrees on every worker. A read that fails keeps the
 * last known day: its age goes on growing, so an unreadable archive still alerts. Before the
 * first archived day there are no samples.
 */
export function registerArchiveCollector(registry: Registry, opts: ArchiveCollectorOptions): void {
  const now = opts.now ?? Date.now;
  const errors = collectorErrors(registry);
  let known: LastDay | undefined;

  const snapshot = sharedSnapshot(
    async (): Promise<LastDay | undefined> => {
      const sink = await opts.sink.get();
      const day = (await sink.listDays()).at(-1);
      if (day === undefined) return undefined;
      const manifest = await sink.readManifest(day);
      known = { sink: sink.kind, day, verifiedAt: manifest?.verifiedAt ?? dayRange(day).end };
      return known;
    },
    {
      maxAgeMs: opts.maxAgeMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 5000,
      onError: (err) => {
        errors.inc({ collector: 'archive' });
        opts.logger.debug({ err }, 'archive metrics not read');
      },
    },
  );
  const lastDay = async () => (await snapshot()) ?? known;
  // Labelled by sink: before the first archived day there is no sample at all (an unlabelled
  // gauge would read 0, i.e. 1970).
  const gauge = (name: string, help: string, value: (last: LastDay) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['sink'],
      registers: [registry],
      async collect() {
        const last = await lastDay();
        this.reset();
        if (last) this.set({ sink: last.sink }, value(last));
      },
    });

  gauge(
    'finline_archive_last_day_timestamp_seconds',
    'Start (00:00 UTC) of the newest archived and verified day',
    (last) => dayRange(last.day).start / 1000,
  );
  gauge(
    'finline_archive_last_day_age_seconds',
    'Seconds since the end of the newest archived day (a day plus the archive run when on time)',
    (last) => Math.max(0, now() - dayRange(last.day).end) / 1000,
  );
  gauge(
    'finline_archive_last_success_timestamp_seconds',
    'When the newest archived day was verified (its manifest written)',
    (last) => last.verifiedAt / 1000,
  );
}
