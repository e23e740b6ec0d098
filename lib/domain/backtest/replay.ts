import { detect, detectStale, encodeState, parseState, type AnomalyParams } from '../anomaly';
import type { WindowState } from '../anomaly';
import { instrumentId, parseInstrumentId } from '../partition';
import type { Anomaly, StoredTick } from '../types';
import type { BacktestAnomaly } from './types';

/**
 * One partition's ticks replayed through the production detectors exactly as the anomaly
 * stage runs them (activities/pipeline/stages/anomaly.ts): ticks in stream order through
 * {@link detect}, and after every batch of `batchSize` ticks {@link detectStale} once per feed
 * at that feed's newest event time in the batch. The stage's batches depend on timing; here
 * they are fixed-size, so a replay is deterministic.
 */
export interface Replay {
  /** Adds one tick; runs the batch's stale detection when the batch is full. */
  add(tick: StoredTick): void;
  /** Ends the partition: runs the stale detection of a partial last batch. */
  end(): void;
  /** Ticks added so far. */
  readonly ticks: number;
  /** True between batches: a {@link snapshot} taken now resumes exactly. */
  readonly atBatchEnd: boolean;
  /** The windows as stored text (by instrument, in first-seen order), to resume from. */
  snapshot(): [string, string][];
}

/**
 * A replay of one partition. Found anomalies go to `sink` in the order found. `resume` is a
 * {@link Replay.snapshot} taken at a batch end, with the ticks added before it.
 */
export function createReplay(
  params: AnomalyParams,
  partition: number,
  batchSize: number,
  sink: (a: BacktestAnomaly) => void,
  resume?: { readonly windows: readonly [string, string][]; readonly ticks: number },
): Replay {
  const states = new Map<string, WindowState>();
  for (const [instrument, text] of resume?.windows ?? []) {
    const s = parseState(text);
    if (s) states.set(instrument, s);
  }
  let ticks = resume?.ticks ?? 0;
  let inBatch = 0;
  // Feeds in the order the batch first saw them, with their newest event time.
  const newestByFeed = new Map<string, number>();
  const found: Anomaly[] = [];

  // Keys in one order (that of anomalyLine), so an anomaly read back from the output is the
  // same JSON as one found now: a resumed day's report is byte-identical to an uninterrupted one.
  const emit = (a: Anomaly, sector: string) =>
    sink({
      partition,
      ticker: a.ticker,
      feed: a.feed,
      sector,
      type: a.type,
      severity: a.severity,
      price: a.price,
      statistic: a.statistic,
      threshold: a.threshold,
      ts: a.ts,
      sourceIds: a.sourceIds,
    });

  function endBatch(): void {
    for (const [feed, newest] of newestByFeed) {
      const ofFeed: [string, WindowState][] = [];
      for (const [instrument, s] of states) {
        const id = parseInstrumentId(instrument);
        if (id.feed === feed) ofFeed.push([id.ticker, s]);
      }
      for (const a of detectStale(ofFeed, newest, params, feed)) {
        emit(a, states.get(instrumentId(a.ticker, feed))?.sector ?? '');
      }
    }
    newestByFeed.clear();
    inBatch = 0;
  }

  return {
    add(tick) {
      const instrument = instrumentId(tick.ticker, tick.feed);
      const prev = states.get(instrument);
      const state = detect(prev, tick, params, found);
      if (state && state !== prev) states.set(instrument, state);
      for (const a of found) emit(a, tick.sector);
      found.length = 0;
      const newest = newestByFeed.get(tick.feed);
      if (newest === undefined || tick.ts > newest) newestByFeed.set(tick.feed, tick.ts);
      ticks++;
      if (++inBatch >= batchSize) endBatch();
    },
    end() {
      if (inBatch > 0) endBatch();
    },
    get ticks() {
      return ticks;
    },
    get atBatchEnd() {
      return inBatch === 0;
    },
    snapshot() {
      return [...states].map(([instrument, s]) => [instrument, encodeState(s)]);
    },
  };
}
