import type { Config } from '../config';
import { loadSectors } from '../reference';
import { createArchiveSink } from './create-sink';
import { DAY_MS, dayOf, dayRange } from './day';
import type { ArchivedTick } from './rows';
import type { ArchiveSink } from './sink';

/** The last ms a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/** What the archive holds: the days with a manifest (verified copies). */
export interface ArchiveCoverage {
  /** Archived UTC days, ascending; gaps are days not (yet) archived. */
  readonly archivedDays: readonly string[];
  /** Start of the first archived day, ms; undefined when nothing is archived. */
  readonly fromMs: number | undefined;
  /** End (exclusive) of the last archived day, ms: stream ids below it are archived, gaps aside. */
  readonly throughMs: number | undefined;
}

/**
 * The archive's read side, for the GraphQL `history` query.
 *
 * Contract:
 * - `history(ticker, fromMs, toMs, limit)` returns archived ticks of `ticker` (exact match,
 *   as stored) with `fromMs <= ts < toMs` (event time, half-open), sorted ascending by `ts`
 *   then stream id (`id`, compared numerically) then `partition`, at most `limit` of them.
 *   Ticks are the `decodeTick` shape, stream `id` included, plus the `partition` whose stream
 *   held them (0 for days archived before partitions); prices are the exact decimal text.
 * - Days are split by stream id (when Redis received the tick), not by event time: a day is
 *   searched with its neighbours, so a tick late or early by less than a day is found.
 * - An archived day may still be in Redis (the retention window keeps it there): to join with
 *   Redis, take from the archive only ticks whose `id` is below the first id that the ticker's
 *   partition stream (`keys.forTicker(ticker).normalizedEvents`) still holds. A stream id is
 *   unique only within a partition, but every tick of a ticker is in that ticker's partition
 *   (as long as PIPELINE_PARTITIONS stays what it was when the tick arrived).
 *   `coverage()` says which days the archive has.
 * - Parquet: only days with a manifest are read. PostgreSQL: the table is queried directly
 *   (indexed on ticker, ts), so a day being copied shows what is already committed.
 * - `close()` releases files and connections; the reader is unusable afterwards.
 */
export interface ArchiveReader {
  history(ticker: string, fromMs: number, toMs: number, limit: number): Promise<ArchivedTick[]>;
  coverage(): Promise<ArchiveCoverage>;
  close(): Promise<void>;
}

/** A reader over an open sink (the sink is closed with the reader). */
export function readerOver(sink: ArchiveSink): ArchiveReader {
  return {
    async history(ticker, fromMs, toMs, limit) {
      if (!(toMs > fromMs) || limit <= 0) return [];
      const first = dayOf(Math.max(0, fromMs - DAY_MS));
      const last = dayOf(Math.min(toMs - 1 + DAY_MS, MAX_DATE_MS));
      const days = (await sink.listDays()).filter((d) => d >= first && d <= last);
      if (sink.kind === 'parquet' && days.length === 0) return [];
      return sink.history(ticker, fromMs, toMs, limit, days);
    },
    async coverage() {
      const archivedDays = await sink.listDays();
      const firstDay = archivedDays[0];
      const lastDay = archivedDays[archivedDays.length - 1];
      return {
        archivedDays,
        fromMs: firstDay === undefined ? undefined : dayRange(firstDay).start,
        throughMs: lastDay === undefined ? undefined : dayRange(lastDay).end,
      };
    },
    close: () => sink.close(),
  };
}

/** Opens the configured sink (ARCHIVE_SINK) for reading. */
export async function createArchiveReader(config: Config): Promise<ArchiveReader> {
  return readerOver(await createArchiveSink(config, loadSectors(config.sectorsFile)));
}
