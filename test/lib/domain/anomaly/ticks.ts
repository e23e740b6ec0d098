import {
  detect,
  type Anomaly,
  type AnomalyParams,
  type StoredTick,
  type WindowState,
} from '../../../../lib/domain';

/** Test ticks and parameters shared by the anomaly tests. */

export const T0 = 1_700_000_000_000;
/** Small window so that every statistic in the tests can be worked out by hand. */
export const params: AnomalyParams = {
  window: 4,
  zThreshold: 4,
  minSamples: 4,
  volumeZThreshold: 4,
  volumeMinSamples: 4,
  staleMs: 1000,
};
export const L = Math.log(1.01);

export function tick(i: number, over: Partial<StoredTick> = {}): StoredTick {
  return {
    id: `${i}-0`,
    rawId: `${i}-0`,
    ticker: 'AAPL',
    kind: 'trade',
    price: '100',
    size: '1',
    ts: T0 + i,
    sector: 'Technology',
    source: 'simulator',
    feed: 'sim',
    seq: String(i),
    ...over,
  };
}

/** Trades at the given prices, ids 0-0, 1-0, ... */
export function trades(
  prices: readonly (number | string)[],
  over: Partial<StoredTick> = {},
): StoredTick[] {
  return prices.map((p, i) => tick(i, { price: String(p), ...over }));
}

export function run(ticks: readonly StoredTick[], p: AnomalyParams = params, start?: WindowState) {
  const anomalies: Anomaly[] = [];
  let state = start;
  for (const t of ticks) state = detect(state, t, p, anomalies);
  return { state, anomalies };
}

/** Returns +L, -L, +L, -L: mean 0, population std exactly L. */
export const CALM = [100, 101, 100, 101, 100];

/** A seeded mix of trades and quotes over tickers AAA, BBB, CCC with random walks and sizes. */
export function randomTicks(n: number, seed: number): StoredTick[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const names = ['AAA', 'BBB', 'CCC'];
  const cents = [10_000, 250, 5_000_000];
  const out: StoredTick[] = [];
  for (let i = 0; i < n; i++) {
    const k = i % 3;
    const move = rnd() < 0.01 ? 0.08 : 0.002;
    const c = Math.max(1, Math.round(cents[k]! * (1 + gauss() * move)));
    cents[k] = c;
    const price = (c / 100).toString();
    const ticker = names[k]!;
    if (rnd() < 0.7) {
      const size = String(Math.max(1, Math.round(Math.exp(3 + gauss() * (rnd() < 0.02 ? 4 : 1)))));
      out.push(tick(i, { ticker, price, size, sector: k === 2 ? 'Crypto' : 'Energy' }));
    } else {
      const bid = ((c - (rnd() < 0.02 ? -1 : 1)) / 100).toString();
      out.push(
        tick(i, { ticker, kind: 'quote', price, bid, ask: (c / 100).toString(), size: undefined }),
      );
    }
  }
  return out;
}
