import { detect, severityOf, type StoredTick, type WindowState } from '../../../lib/domain';

const params = { window: 20, zThreshold: 4, jumpPct: 5, minSamples: 10 };

function trade(price: number, i: number): StoredTick {
  return {
    id: `${i}-0`,
    rawId: `${i}-0`,
    ticker: 'AAPL',
    kind: 'trade',
    price: String(price),
    size: '1',
    ts: 1_700_000_000_000 + i,
    sector: 'Technology',
    source: 'simulator',
    feed: 'sim',
    seq: String(i),
  };
}

function run(prices: number[]) {
  let state: WindowState | undefined;
  const all = [];
  for (const [i, p] of prices.entries()) {
    const r = detect(state, trade(p, i), params);
    state = r.state;
    all.push(...r.anomalies);
  }
  return { state, anomalies: all };
}

describe('detect', () => {
  const calm = Array.from({ length: 40 }, (_, i) => 100 + (i % 2 ? 0.05 : -0.05));

  it('finds nothing in a calm series and keeps the window bounded', () => {
    const { state, anomalies } = run(calm);
    expect(anomalies).toEqual([]);
    expect(state?.r).toHaveLength(params.window);
  });

  it('flags a spike as a price jump and a return z-score, naming both source events', () => {
    const { anomalies } = run([...calm, 110]);
    const jump = anomalies.find((a) => a.type === 'price_jump');
    const z = anomalies.find((a) => a.type === 'return_zscore');
    expect(jump).toMatchObject({
      ticker: 'AAPL',
      price: '110',
      threshold: 5,
      sourceIds: ['39-0', '40-0'],
    });
    expect(jump!.statistic).toBeCloseTo(10.0, 0);
    expect(z!.statistic).toBeGreaterThan(4);
    expect(z!.severity).toBe('critical');
  });

  it('does not trust z-scores before minSamples returns', () => {
    const { anomalies } = run([100, 100.1, 100, 100.1, 104]);
    expect(anomalies.filter((a) => a.type === 'return_zscore')).toEqual([]);
  });

  it('flags a crossed quote without touching the trade window', () => {
    const prev: WindowState = { p: 100, id: '1-0', t: 1, r: [0.001] };
    const quote: StoredTick = {
      ...trade(100, 2),
      kind: 'quote',
      bid: '100.02',
      ask: '100.01',
      price: '100.015',
    };
    const r = detect(prev, quote, params);
    expect(r.state).toBe(prev);
    expect(r.anomalies).toEqual([
      expect.objectContaining({ type: 'crossed_quote', severity: 'high', sourceIds: ['2-0'] }),
    ]);
  });

  it('grades severity by how far past the threshold', () => {
    expect(severityOf(5.5, 5)).toBe('low');
    expect(severityOf(-8, 5)).toBe('medium');
    expect(severityOf(10, 5)).toBe('high');
    expect(severityOf(16, 5)).toBe('critical');
  });
});
