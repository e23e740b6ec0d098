import { dayRange } from '../../lib/archive';
import type { StoredTick } from '../../lib/domain';
import {
  encodeAnomaly,
  encodeTick,
  type Keys,
  type Redis,
  type StoredAnomaly,
} from '../../lib/redis';

/** Tickers of several sectors (as in reference/sectors.json), one unknown to it. */
export const TICKERS: readonly [string, string][] = [
  ['AAPL', 'Technology'],
  ['JPM', 'Financials'],
  ['BTC-USD', 'Crypto'],
  ['AMZN', 'Consumer Discretionary'],
  ['XYZ', ''],
];

export interface SeededDay {
  readonly ticks: StoredTick[];
  readonly anomalies: StoredAnomaly[];
}

/**
 * Writes `n` normalized ticks (and an anomaly every 25th) of one UTC day with explicit stream
 * ids spread over the day, so the data is "yesterday's" whatever the clock says. Prices have
 * more digits than a double keeps, to catch any rounding on the way.
 */
export async function seedDay(
  redis: Redis,
  keys: Keys,
  day: string,
  n: number,
  seed = 1,
): Promise<SeededDay> {
  const { start } = dayRange(day);
  const step = Math.max(1, Math.floor(86_400_000 / (n + 1)));
  const ticks: StoredTick[] = [];
  const anomalies: StoredAnomaly[] = [];
  const pipe = redis.pipeline();
  for (let i = 0; i < n; i++) {
    const ms = start + i * step;
    const [ticker, sector] = TICKERS[(i * 7 + seed) % TICKERS.length]!;
    const quote = i % 4 === 3;
    const base = `${100 + ((i * 37 + seed) % 900)}.${String(i).padStart(4, '0')}12345678901234567`;
    const id = `${ms}-${i % 3}`;
    const rawId = `${ms - 5}-0`;
    const tick: StoredTick = {
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
    };
    pipe.xadd(keys.normalizedEvents, id, ...encodeTick(tick, rawId));
    ticks.push(tick);
    if (i % 25 === 24) {
      const a: StoredAnomaly = {
        id,
        type: 'price_jump',
        severity: 'high',
        ticker,
        price: base,
        statistic: 12.345678901234,
        threshold: 8,
        ts: tick.ts,
        sourceIds: [id, `${ms - 1}-0`],
        detectedAt: ms + 1,
      };
      pipe.xadd(keys.anomalies, id, ...encodeAnomaly(a, a.detectedAt));
      anomalies.push(a);
    }
  }
  const replies = (await pipe.exec()) ?? [];
  for (const [err] of replies) if (err) throw err;
  return { ticks, anomalies };
}
