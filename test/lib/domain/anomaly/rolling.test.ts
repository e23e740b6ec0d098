import { detect, type Anomaly, type WindowState } from '../../../../lib/domain';
import { params, randomTicks, run, tick, trades } from './ticks';

describe('rolling windows', () => {
  it('keeps rolling mean and m2 equal to a naive recomputation over many ticks', () => {
    const p = { ...params, window: 50, minSamples: 10, zThreshold: 2, volumeMinSamples: 10 };
    const ticks = randomTicks(20_000, 11).filter((t) => t.ticker === 'AAA');
    let state: WindowState | undefined;
    const found: Anomaly[] = [];
    const prices: number[] = [];
    const expected: [string, number][] = [];
    for (const [i, t] of ticks.entries()) {
      state = detect(state, t, p, found);
      if (t.kind !== 'trade') continue;
      prices.push(Number(t.price));
      // Naive z from the raw prices: the last 50 returns before this trade.
      const n = prices.length;
      if (n >= 12) {
        const rets: number[] = [];
        for (let k = Math.max(1, n - 51); k < n - 1; k++)
          rets.push(Math.log(prices[k]! / prices[k - 1]!));
        if (rets.length >= 10) {
          const mean = rets.reduce((x, y) => x + y, 0) / rets.length;
          const std = Math.sqrt(rets.reduce((x, y) => x + (y - mean) ** 2, 0) / rets.length);
          const z = (Math.log(prices[n - 1]! / prices[n - 2]!) - mean) / std;
          if (Math.abs(z) >= 2) expected.push([t.id, z]);
        }
      }
      if (i % 97 === 0 && state!.sizes.values.length > 1 && state!.returns.values.length > 1) {
        for (const w of [state!.returns, state!.sizes]) {
          const mean = w.values.reduce((x, y) => x + y, 0) / w.values.length;
          const m2 = w.values.reduce((x, y) => x + (y - mean) ** 2, 0);
          expect(Math.abs(w.mean - mean)).toBeLessThan(1e-12 * (1 + Math.abs(mean)));
          expect(Math.abs(w.m2 - m2)).toBeLessThan(1e-9 * m2);
        }
      }
    }
    const zs = found.filter((a) => a.type === 'return_zscore');
    expect(zs.length).toBeGreaterThan(100);
    expect(zs.map((a) => a.sourceIds[1])).toEqual(expected.map(([id]) => id));
    zs.forEach((a, k) => expect(a.statistic).toBeCloseTo(expected[k]![1], 3));
  });

  it('refits a window to a changed ANOMALY_WINDOW, keeping the newest values', () => {
    const prices = [100, 101, 102, 101, 100, 99, 100, 101, 102, 103, 104];
    const { state } = run(trades(prices), { ...params, window: 8, minSamples: 8 });
    const rets = prices.slice(1).map((x, i) => Math.log(x / prices[i]!));
    detect(state, tick(20, { price: '104' }), params, []);
    expect(state!.returns.head).toBe(1);
    const ring = [...state!.returns.values.slice(1), ...state!.returns.values.slice(0, 1)];
    expect(ring).toEqual([...rets.slice(-3), 0]);
  });
});
