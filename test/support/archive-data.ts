import {
  byPartitionThenId,
  dayRange,
  type ArchivedAnomaly,
  type ArchivedTick,
} from '../../lib/archive';
import { encodeAnomaly, encodeTick, type Keys, type Redis } from '../../lib/redis';

/** Tickers of several sectors (as in reference/sectors.json), one unknown to it. */
export const TICKERS: readonly [string, string][] = [
  ['AAPL', 'Technology'],
  ['JPM', 'Financials'],
  ['BTC-USD', 'Crypto'],
  ['AMZN', 'Consumer Discretionary'],
  ['XYZ', ''],
];

export interface SeededDay {
  /** In the archive's order: by partition, then stream id. */
  readonly ticks: ArchivedTick[];
  readonly anomalies: ArchivedAnomaly[];
}

/** The ticks of one partition, in stream order. */
export function ofPartition<T extends { partition: number }>(rows: readonly T[], p: number): T[] {
  return rows.filter((r) => r.partition === p);
}

/**
 * Writes `n` normalized ticks (and an anomaly every 25th) of one UTC day with explicit stream
 * ids spread over the day into the streams of each ticker's partition (keys.forTicker), so the
 * data is "yesterday's" whatever the clock says. Ticks go in pairs sharing a millisecond, and
 * the sequence counts per partition within it: two partitions hold the same stream id whenever
 * a pair spans them (as two partitions' pipelines routinely produce). Prices have more digits
 * than a double keeps, to catch any rounding on the way.
 */
export async function seedDay(
  redis: Redis,
  keys: Keys,
  day: string,
  n: number,
  seed = 1,
): Promise<SeededDay> {
  const { start } = dayRange(day);
  const step = Math.max(1, Math.floor(86_400_000 / (Math.ceil(n / 2) + 1)));
  const ticks: ArchivedTick[] = [];
  const anomalies: ArchivedAnomaly[] = [];
  const seqs = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const ms = start + Math.floor(i / 2) * step;
    const [ticker, sector] = TICKERS[(i * 7 + seed) % TICKERS.length]!;
    const partition = keys.forTicker(ticker).partition;
    const seq = seqs.get(`${partition}:${ms}`) ?? 0;
    seqs.set(`${partition}:${ms}`, seq + 1);
    const quote = i % 4 === 3;
    const base = `${100 + ((i * 37 + seed) % 900)}.${String(i).padStart(4, '0')}12345678901234567`;
    const id = `${ms}-${seq}`;
    const rawId = `${ms - 5}-0`;
    const tick: ArchivedTick = {
      id,
      ticker,
      kind: quote ? 'quote' : 'trade',
      price: base,
      ...(quote ? { bid: `${base}1`, ask: `${base}9` } : { size: String(1 + (i % 500)) }),
      // Event time a little before arrival; the first ticks of a day belong to the day before.
      ts: ms - 1000,
      sector,
      source: 'simulator',
      feed: 'sim',
      seq: String(i),
      rawId,
      partition,
    };
    ticks.push(tick);
    if (i % 25 === 24) {
      anomalies.push({
        id,
        type: 'price_jump',
        severity: 'high',
        ticker,
        feed: i % 50 === 49 ? 'sim' : 'other-venue',
        price: base,
        statistic: 12.345678901234,
        threshold: 8,
        ts: tick.ts,
        sourceIds: [id, `${ms - 1}-0`],
        detectedAt: ms + 1,
        partition,
      });
    }
  }
  // One pipeline per partition: on a Redis Cluster a pipeline keeps to one slot.
  for (const pk of keys.all) {
    const pipe = redis.pipeline();
    for (const t of ofPartition(ticks, pk.partition)) {
      pipe.xadd(pk.normalizedEvents, t.id, ...encodeTick(t, t.rawId));
    }
    for (const a of ofPartition(anomalies, pk.partition)) {
      pipe.xadd(pk.anomalies, a.id, ...encodeAnomaly(a, a.detectedAt));
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }
  return { ticks: ticks.sort(byPartitionThenId), anomalies: anomalies.sort(byPartitionThenId) };
}

/** Stream ids present in more than one partition (the collisions the archive must survive). */
export function collidingIds(rows: readonly { id: string; partition: number }[]): string[] {
  const partitionsOf = new Map<string, Set<number>>();
  for (const r of rows) {
    const s = partitionsOf.get(r.id) ?? new Set<number>();
    s.add(r.partition);
    partitionsOf.set(r.id, s);
  }
  return [...partitionsOf].filter(([, s]) => s.size > 1).map(([id]) => id);
}
