import { dayRange, type ArchivedTick } from '../../lib/archive';
import { encodeTick, type Keys, type Redis } from '../../lib/redis';

/** Days of calm trades with price jumps at known ticks, for the backtest tests. */

/** Tickers and sectors of the generated days (sectors as in reference/sectors.json). */
export const JUMP_TICKERS: readonly [string, string][] = [
  ['AAPL', 'Technology'],
  ['JPM', 'Financials'],
  ['BTC-USD', 'Crypto'],
];

/** A jump: the `index`-th trade of `ticker` moves the price level by `pct` %. */
export interface Jump {
  readonly ticker: string;
  readonly index: number;
  readonly pct: number;
}

/**
 * Writes `perTicker` trades of each ticker, interleaved every 3 s through the day's first
 * hours, into each ticker's partition stream with explicit ids (so the day is in the past
 * whatever the clock says). Between jumps the price alternates by 0.1 % around its level and
 * every size is 100 (no volume spikes); a jump multiplies the level once, at an odd index (so
 * it lands on the upper price of the alternation: the move is (1 + pct/100) * 1.001 − 1).
 * Returns the ticks, and the stream id of each jump's trade by `ticker:index`.
 */
export async function seedJumpDay(
  redis: Redis,
  keys: Keys,
  day: string,
  perTicker: number,
  jumps: readonly Jump[],
): Promise<{ ticks: ArchivedTick[]; jumpIds: Map<string, string> }> {
  const { start } = dayRange(day);
  const ticks: ArchivedTick[] = [];
  const jumpIds = new Map<string, string>();
  const level = new Map<string, number>(JUMP_TICKERS.map(([t]) => [t, 100]));
  let k = 0;
  for (let i = 0; i < perTicker; i++) {
    for (const [ticker, sector] of JUMP_TICKERS) {
      const ms = start + 60_000 + k++ * 3000;
      const jump = jumps.find((j) => j.ticker === ticker && j.index === i);
      if (jump) level.set(ticker, level.get(ticker)! * (1 + jump.pct / 100));
      const price = (level.get(ticker)! * (i % 2 === 1 ? 1.001 : 1)).toFixed(4);
      const id = `${ms}-0`;
      if (jump) jumpIds.set(`${ticker}:${i}`, id);
      ticks.push({
        id,
        ticker,
        kind: 'trade',
        price,
        size: '100',
        ts: ms - 500,
        sector,
        source: 'simulator',
        feed: 'sim',
        seq: String(k),
        rawId: `${ms - 5}-0`,
        partition: keys.forTicker(ticker).partition,
      });
    }
  }
  for (const pk of keys.all) {
    const pipe = redis.pipeline();
    for (const t of ticks) {
      if (t.partition === pk.partition)
        pipe.xadd(pk.normalizedEvents, t.id, ...encodeTick(t, t.rawId));
    }
    for (const [err] of (await pipe.exec()) ?? []) if (err) throw err;
  }
  return { ticks, jumpIds };
}
