import {
  compareDecimal,
  detect,
  rollingStats,
  type Anomaly,
  type WindowState,
} from '../../../../lib/domain';
import { CALM, L, T0, params, run, tick, trades } from './ticks';

describe('detect: price jumps and return z-scores', () => {
  it('finds nothing in a calm series and keeps the windows bounded', () => {
    const { state, anomalies } = run(trades([...CALM, 101, 100, 101, 100]));
    expect(anomalies).toEqual([]);
    expect(state!.returns.values).toHaveLength(4);
    const stats = rollingStats(state!.returns);
    expect(stats.mean).toBeCloseTo(0, 15);
    expect(stats.std).toBeCloseTo(L, 15);
  });

  it('flags a spike as a jump (LULD 5% tier) and a return z-score, naming both trades', () => {
    const { anomalies } = run(trades([...CALM, 113]));
    // jump: 113 / 100 − 1 = 13 %, 13 / 5 = 2.6 → high; z = ln 1.13 / ln 1.01 = 12.2828, / 4 → critical
    expect(anomalies).toEqual([
      {
        type: 'price_jump',
        severity: 'high',
        ticker: 'AAPL',
        feed: 'sim',
        price: '113',
        statistic: 13,
        threshold: 5,
        ts: T0 + 5,
        sourceIds: ['4-0', '5-0'],
      },
      {
        type: 'return_zscore',
        severity: 'critical',
        ticker: 'AAPL',
        feed: 'sim',
        price: '113',
        statistic: 12.2828,
        threshold: 4,
        ts: T0 + 5,
        sourceIds: ['4-0', '5-0'],
      },
    ]);
  });

  it('computes the z-score against the window before the return joins it', () => {
    // 4.5 % is below the 5 % band; z = ln 1.045 / ln 1.01 = 4.42366 → low (4.42 / 4 < 1.5)
    const { anomalies, state } = run(trades([...CALM, 104.5]));
    expect(anomalies).toEqual([
      expect.objectContaining({
        type: 'return_zscore',
        severity: 'low',
        statistic: 4.4237,
        threshold: 4,
        sourceIds: ['4-0', '5-0'],
      }),
    ]);
    expect(
      state!.returns.values[state!.returns.head === 0 ? 3 : state!.returns.head - 1],
    ).toBeCloseTo(Math.log(1.045), 15);
    // A fall is flagged by |z|: ln(0.95) / ln 1.01 = −5.1549 (and −5 % is a jump, at the threshold).
    const fall = run(trades([...CALM, 95])).anomalies;
    expect(fall.map((a) => [a.type, a.statistic, a.severity])).toEqual([
      ['price_jump', -5, 'low'],
      ['return_zscore', -5.1549, 'low'],
    ]);
  });

  it('does not trust z-scores before minSamples returns', () => {
    // Three returns (+L, −L, +L) < minSamples 4: no z-score although 113 is far out.
    expect(run(trades([100, 101, 100, 101, 113])).anomalies).toEqual([
      expect.objectContaining({ type: 'price_jump', statistic: 11.8812, threshold: 5 }),
    ]);
    expect(run(trades([100, 101, 100, 104.5])).anomalies).toEqual([]);
  });

  it('gives no z-score while every return in the window is equal', () => {
    const { state } = run(trades([100, 100, 100, 100, 100, 100]));
    expect(state!.returns).toMatchObject({ values: [0, 0, 0, 0], mean: 0, m2: 0 });
    const out: Anomaly[] = [];
    detect(state, tick(6, { price: '104' }), params, out);
    expect(out).toEqual([]);
  });

  it('ignores a trade without a usable price', () => {
    const { state } = run(trades(CALM));
    const before = JSON.stringify(state);
    const out: Anomaly[] = [];
    expect(detect(state, tick(9, { price: '0' }), params, out)).toBe(state);
    expect(JSON.stringify(state)).toBe(before);
    expect(out).toEqual([]);
  });
});

describe('detect: volume spikes', () => {
  // Log sizes ln 10, ln 1000, ln 10, ln 1000: mean ln 100, population std ln 10, so a size
  // of 10^k has z = k − 2 exactly.
  const sized = (sizes: readonly number[]) =>
    sizes.map((s, i) => tick(i, { size: String(s), price: '100' }));

  it('flags a trade size far above the rolling log-size distribution, naming the trade', () => {
    const { anomalies } = run(sized([10, 1000, 10, 1000, 1e7]));
    expect(anomalies).toEqual([
      {
        type: 'volume_spike',
        severity: 'low',
        ticker: 'AAPL',
        feed: 'sim',
        price: '100',
        statistic: 5,
        threshold: 4,
        ts: T0 + 4,
        sourceIds: ['4-0'],
      },
    ]);
    expect(run(sized([10, 1000, 10, 1000, 1e9])).anomalies).toEqual([
      expect.objectContaining({ statistic: 7, severity: 'medium' }),
    ]);
  });

  it('is one-sided, below threshold is quiet, and waits for volumeMinSamples sizes', () => {
    expect(run(sized([10, 1000, 10, 1000, 1])).anomalies).toEqual([]); // z = −2
    expect(run(sized([10, 1000, 10, 1000, 1e5])).anomalies).toEqual([]); // z = 3
    expect(run(sized([10, 1000, 10, 1e9])).anomalies).toEqual([]); // 3 sizes < 4
    const loose = { ...params, sectors: { Crypto: { volumeZThreshold: 6 } } };
    expect(run(sized([10, 1000, 10, 1000, 1e7]), loose).anomalies).toHaveLength(1);
    const crypto = sized([10, 1000, 10, 1000, 1e7]).map((t) => ({ ...t, sector: 'Crypto' }));
    expect(run(crypto, loose).anomalies).toEqual([]);
  });

  it('counts sizes from the first trade on, returns from the second', () => {
    const { state } = run(sized([10, 1000, 10]));
    expect(state!.sizes.values).toHaveLength(3);
    expect(state!.returns.values).toHaveLength(2);
  });
});

describe('detect: crossed and locked quotes', () => {
  const quote = (bid: string, ask: string, price: string) =>
    tick(7, { kind: 'quote', bid, ask, price, size: undefined });

  it('reports crossed (high) and locked (medium) quotes with the spread in bps of mid', () => {
    const out: Anomaly[] = [];
    detect(undefined, quote('100.02', '100.01', '100.015'), params, out);
    detect(undefined, quote('100.01', '100.01', '100.01'), params, out);
    detect(undefined, quote('100.00', '100.01', '100.005'), params, out);
    // (100.01 − 100.02) / 100.015 × 10^4 = −0.99985 bps
    expect(out).toEqual([
      {
        type: 'crossed_quote',
        severity: 'high',
        ticker: 'AAPL',
        feed: 'sim',
        price: '100.015',
        statistic: -0.9999,
        threshold: 0,
        ts: T0 + 7,
        sourceIds: ['7-0'],
      },
      {
        type: 'crossed_quote',
        severity: 'medium',
        ticker: 'AAPL',
        feed: 'sim',
        price: '100.01',
        statistic: 0,
        threshold: 0,
        ts: T0 + 7,
        sourceIds: ['7-0'],
      },
    ]);
  });

  it('compares the decimals exactly, not as floats', () => {
    const out: Anomaly[] = [];
    // Equal as doubles, but the bid is above the ask.
    detect(undefined, quote('100.000000000000001', '100', '100'), params, out);
    detect(undefined, quote('100.10', '100.1', '100.1'), params, out);
    expect(out.map((a) => a.severity)).toEqual(['high', 'medium']);
  });

  it('moves the last event but not the trade windows', () => {
    const { state } = run(trades(CALM));
    const before = JSON.parse(JSON.stringify(state)) as WindowState;
    const after = detect(state, quote('100.02', '100.01', '100.015'), params, []);
    expect(after).toBe(state);
    expect(after).toEqual({
      ...before,
      newestTs: T0 + 7,
      newestId: '7-0',
      newestPrice: '100.015',
    });
  });

  it('orders decimals exactly', () => {
    expect(compareDecimal('100.02', '100.01')).toBe(1);
    expect(compareDecimal('100.01', '100.010')).toBe(0);
    expect(compareDecimal('9.99', '10')).toBe(-1);
    expect(compareDecimal('0.0001', '0.00009')).toBe(1);
    expect(compareDecimal('007.5', '7.50')).toBe(0);
    expect(compareDecimal('-1.5', '-1.25')).toBe(-1);
    expect(compareDecimal('-0', '0')).toBe(0);
    expect(compareDecimal('-0.01', '0')).toBe(-1);
    expect(compareDecimal('12345678901234567890.1', '12345678901234567890.01')).toBe(1);
  });
});
