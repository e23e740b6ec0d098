import {
  compareDecimal,
  detect,
  detectStale,
  luldJumpPct,
  parseState,
  rollingStats,
  severityOf,
  thresholdsFor,
  type Anomaly,
  type AnomalyParams,
  type StoredTick,
  type WindowState,
} from '../../../lib/domain';

const T0 = 1_700_000_000_000;
/** Small window so that every statistic below can be worked out by hand. */
const params: AnomalyParams = {
  window: 4,
  zThreshold: 4,
  minSamples: 4,
  volumeZThreshold: 4,
  volumeMinSamples: 4,
  staleMs: 1000,
};
const L = Math.log(1.01);

function tick(i: number, over: Partial<StoredTick> = {}): StoredTick {
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
function trades(
  prices: readonly (number | string)[],
  over: Partial<StoredTick> = {},
): StoredTick[] {
  return prices.map((p, i) => tick(i, { price: String(p), ...over }));
}

function run(ticks: readonly StoredTick[], p: AnomalyParams = params, start?: WindowState) {
  const anomalies: Anomaly[] = [];
  let state = start;
  for (const t of ticks) state = detect(state, t, p, anomalies);
  return { state, anomalies };
}

/** Returns +L, -L, +L, -L: mean 0, population std exactly L. */
const CALM = [100, 101, 100, 101, 100];

describe('detect: price jumps and return z-scores', () => {
  it('finds nothing in a calm series and keeps the windows bounded', () => {
    const { state, anomalies } = run(trades([...CALM, 101, 100, 101, 100]));
    expect(anomalies).toEqual([]);
    expect(state!.r.b).toHaveLength(4);
    const stats = rollingStats(state!.r);
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
    expect(state!.r.b[state!.r.h === 0 ? 3 : state!.r.h - 1]).toBeCloseTo(Math.log(1.045), 15);
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
    expect(state!.r).toMatchObject({ b: [0, 0, 0, 0], m: 0, m2: 0 });
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

describe('jump thresholds: LULD tiers, configured and per sector', () => {
  it('has LULD-style bands by reference price', () => {
    expect([10, 3.01, 3, 1, 0.75, 0.7499, 0.01].map(luldJumpPct)).toEqual([
      5, 5, 10, 10, 10, 20, 20,
    ]);
  });

  it('applies the band of the previous trade when no jump threshold is configured', () => {
    const jumps = (a: number, b: number) =>
      run(trades([a, b])).anomalies.map((x) => [x.statistic, x.threshold, x.severity]);
    expect(jumps(2, 2.19)).toEqual([]); // 9.5 % < 10 %
    expect(jumps(2, 2.2)).toEqual([[10, 10, 'low']]);
    expect(jumps(3, 3.15)).toEqual([]); // $3.00 is in the 10 % band
    expect(jumps(3, 3.3)).toEqual([[10, 10, 'low']]);
    expect(jumps(3.2, 3.36)).toEqual([[5, 5, 'low']]);
    expect(jumps(0.5, 0.59)).toEqual([]); // 18 % < 20 %
    expect(jumps(0.5, 0.6)).toEqual([[20, 20, 'low']]);
    expect(jumps(0.5, 1)).toEqual([[100, 20, 'critical']]);
  });

  it('uses a configured jump threshold for every price, and a sector override above both', () => {
    const flat: AnomalyParams = {
      ...params,
      jumpPct: 7,
      sectors: { Crypto: { jumpPct: 12, zThreshold: 5 } },
    };
    const jumps = (a: number, b: number, sector = 'Technology') =>
      run(trades([a, b], { sector }), flat).anomalies.map((x) => [x.statistic, x.threshold]);
    expect(jumps(100, 106)).toEqual([]); // the 5 % band no longer applies
    expect(jumps(2, 2.2)).toEqual([[10, 7]]);
    expect(jumps(100, 110, 'Crypto')).toEqual([]);
    expect(jumps(100, 112, 'Crypto')).toEqual([[12, 12]]);
  });

  it('resolves per-sector thresholds over the defaults', () => {
    const p: AnomalyParams = {
      ...params,
      sectors: { Crypto: { zThreshold: 6, staleMs: 0 }, Energy: { jumpPct: 8 } },
    };
    expect(thresholdsFor(p, 'Crypto')).toEqual({
      zThreshold: 6,
      jumpPct: undefined,
      minSamples: 4,
      volumeZThreshold: 4,
      volumeMinSamples: 4,
      staleMs: 0,
    });
    expect(thresholdsFor(p, 'Energy').jumpPct).toBe(8);
    expect(thresholdsFor(p, 'Utilities')).toMatchObject({ zThreshold: 4, jumpPct: undefined });
    expect(thresholdsFor(p, 'Crypto')).toBe(thresholdsFor(p, 'Crypto'));
    // The 104.5 trade (z = 4.42) is an anomaly in equities but not under crypto's z of 6.
    expect(run(trades([...CALM, 104.5], { sector: 'Crypto' }), p).anomalies).toEqual([]);
    expect(run(trades([...CALM, 104.5]), p).anomalies).toHaveLength(1);
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
    expect(state!.q.b).toHaveLength(3);
    expect(state!.r.b).toHaveLength(2);
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
    expect(after).toEqual({ ...before, t: T0 + 7, e: '7-0', x: '100.015' });
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

describe('detectStale', () => {
  const p: AnomalyParams = { ...params, sectors: { Crypto: { staleMs: 10_000 } } };

  function states(): Map<string, WindowState> {
    const m = new Map<string, WindowState>();
    const at = (ticker: string, ts: number, sector: string, price: string) =>
      m.set(
        ticker,
        detect(undefined, tick(0, { ticker, ts, sector, price, id: `${ticker}-id` }), p, [])!,
      );
    at('A', 1000, 'Technology', '10.5');
    at('B', 5000, 'Technology', '20');
    at('C', 1500, 'Crypto', '30000');
    at('D', 2000, 'Technology', '40'); // silent for exactly staleMs at now = 3000
    return m;
  }

  it('reports a ticker silent for longer than its sector threshold, once per episode', () => {
    const m = states();
    expect(detectStale(m, 3000, p)).toEqual([
      {
        type: 'stale',
        severity: 'high', // 2000 ms / 1000 ms = 2
        ticker: 'A',
        price: '10.5',
        statistic: 2000,
        threshold: 1000,
        ts: 3000,
        sourceIds: ['A-id'],
      },
    ]);
    expect(m.get('A')!.s).toBe(1);
    // A is reported already; D, silent exactly 1000 ms at 3000, is past it at 3001.
    expect(detectStale(m, 3001, p).map((a) => [a.ticker, a.statistic, a.severity])).toEqual([
      ['D', 1001, 'low'],
    ]);
    expect(detectStale(m, 3001, p)).toEqual([]);
  });

  it('ends the episode on the next newer tick, not on a late one', () => {
    const m = states();
    detectStale(m, 3000, p);
    detect(m.get('A'), tick(9, { ticker: 'A', ts: 900, id: 'late' }), p, []);
    expect(m.get('A')!.s).toBe(1);
    expect(detectStale(m, 3200, p).map((a) => a.ticker)).toEqual(['D']);
    detect(m.get('A'), tick(9, { ticker: 'A', ts: 2000, id: 'a2', price: '10.6' }), p, []);
    expect(m.get('A')!.s).toBe(0);
    expect(detectStale(m, 3500, p)).toEqual([
      expect.objectContaining({
        ticker: 'A',
        statistic: 1500,
        severity: 'medium',
        price: '10.6',
        sourceIds: ['a2'],
      }),
    ]);
  });

  it('uses per-sector thresholds, and staleMs 0 turns it off', () => {
    const m = states();
    expect(detectStale(m, 11_600, p).map((a) => [a.ticker, a.threshold])).toEqual([
      ['A', 1000],
      ['B', 1000],
      ['C', 10_000],
      ['D', 1000],
    ]);
    expect(detectStale(states(), 1e12, { ...p, staleMs: 0, sectors: {} })).toEqual([]);
  });
});

describe('window state', () => {
  it('round-trips through JSON without changing any result', () => {
    const ticks = randomTicks(3000, 7);
    const inMemory = new Map<string, WindowState | undefined>();
    const viaJson = new Map<string, string>();
    const a: Anomaly[] = [];
    const b: Anomaly[] = [];
    const p = { ...params, window: 20, zThreshold: 2.5, volumeZThreshold: 1.5 };
    for (const t of ticks) {
      inMemory.set(t.ticker, detect(inMemory.get(t.ticker), t, p, a));
      const stored = viaJson.get(t.ticker);
      const s = detect(stored === undefined ? undefined : parseState(stored), t, p, b);
      viaJson.set(t.ticker, JSON.stringify(s));
    }
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    for (const [ticker, s] of inMemory) expect(viaJson.get(ticker)).toBe(JSON.stringify(s));
  });

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
      if (i % 97 === 0 && state!.q.b.length > 1 && state!.r.b.length > 1) {
        for (const w of [state!.r, state!.q]) {
          const mean = w.b.reduce((x, y) => x + y, 0) / w.b.length;
          const m2 = w.b.reduce((x, y) => x + (y - mean) ** 2, 0);
          expect(Math.abs(w.m - mean)).toBeLessThan(1e-12 * (1 + Math.abs(mean)));
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
    expect(state!.r.h).toBe(1);
    const ring = [...state!.r.b.slice(1), ...state!.r.b.slice(0, 1)];
    expect(ring).toEqual([...rets.slice(-3), 0]);
  });

  it('converts a state written before rolling sums (p, id, t, r)', () => {
    const legacy = JSON.stringify({ p: 100, id: '9-0', t: T0 + 9, r: [L, -L, L, -L] });
    const state = parseState(legacy)!;
    expect(state).toEqual({
      v: 2,
      p: 100,
      id: '9-0',
      t: T0 + 9,
      e: '9-0',
      x: '100',
      g: '',
      s: 0,
      r: { b: [L, -L, L, -L], h: 0, m: 0, m2: expect.closeTo(4 * L * L, 18) as number, c: 0 },
      q: { b: [], h: 0, m: 0, m2: 0, c: 0 },
    });
    // It carries on exactly as the old window would have: z = ln 1.045 / ln 1.01.
    const out: Anomaly[] = [];
    detect(state, tick(10, { price: '104.5' }), params, out);
    expect(out).toEqual([
      expect.objectContaining({
        type: 'return_zscore',
        statistic: 4.4237,
        sourceIds: ['9-0', '10-0'],
      }),
    ]);
    // A longer legacy window is cut to the newest `window` returns on its next trade.
    const long = parseState(JSON.stringify({ p: 100, id: '1-0', t: 1, r: [1, 2, 3, 4, 5, 6] }))!;
    detect(long, tick(2, { price: '100' }), params, []);
    expect([...long.r.b.slice(long.r.h), ...long.r.b.slice(0, long.r.h)]).toEqual([4, 5, 6, 0]);
  });

  it('starts afresh on JSON it does not recognise, and throws on text that is not JSON', () => {
    for (const json of ['{}', '[]', 'null', '7', '{"v":3}', '{"p":"x","id":"1","t":1,"r":[]}'])
      expect(parseState(json)).toBeUndefined();
    expect(parseState('{"v":2,"p":1}')).toBeUndefined();
    expect(parseState('{"p":1,"id":"1-0","t":1,"r":[null]}')).toBeUndefined();
    expect(() => parseState('{not json')).toThrow(SyntaxError);
  });
});

describe('severityOf', () => {
  it('grades severity by how far past the threshold', () => {
    expect(severityOf(5.5, 5)).toBe('low');
    expect(severityOf(-8, 5)).toBe('medium');
    expect(severityOf(10, 5)).toBe('high');
    expect(severityOf(16, 5)).toBe('critical');
  });
});

/** A seeded mix of trades and quotes over tickers AAA, BBB, CCC with random walks and sizes. */
function randomTicks(n: number, seed: number): StoredTick[] {
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
