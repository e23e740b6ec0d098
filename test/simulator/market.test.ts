import { simulatorAdapter } from '../../lib/domain/adapters/simulator';
import type { NormalizedTick } from '../../lib/domain/types';
import sectors from '../../reference/sectors.json';
import { Market, type MarketOptions } from '../../simulator/market';
import { mulberry32 } from '../../simulator/prng';
import { BASE_PRICES, UNIVERSE } from '../../simulator/universe';

const NOW = 1_700_000_000_000;
const ctx = { feed: 'sim', sectors: new Map(Object.entries(sectors)), recvTs: 1_700_000_000_000 };

function market(overrides: Partial<MarketOptions> = {}): Market {
  return new Market({
    tickers: UNIVERSE,
    seed: 42,
    spikeProbability: 0.0005,
    spikePct: 8,
    ...overrides,
  });
}

function tick(text: string): NormalizedTick {
  const out = simulatorAdapter.normalize(text, ctx);
  if (!out.ok) throw new Error(`${out.reason}: ${text}`);
  return out.tick;
}

/** True when a canonical decimal has at most two fraction digits (sits on the 0.01 tick). */
const onTick = (d: string) => /^\d+(\.\d{1,2})?$/.test(d);

describe('universe', () => {
  it('covers every ticker of reference/sectors.json with an explicit base price', () => {
    expect(UNIVERSE.map((s) => s.ticker)).toEqual(Object.keys(sectors).sort());
    for (const s of UNIVERSE) {
      expect(BASE_PRICES[s.ticker]).toBe(s.basePrice);
      expect(s.volatility).toBeGreaterThan(0);
    }
  });
});

describe('Market', () => {
  it('mulberry32 is deterministic and in [0, 1)', () => {
    const a = mulberry32(7);
    const b = mulberry32(7);
    for (let k = 0; k < 1000; k++) {
      const x = a();
      expect(x).toBe(b());
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect(mulberry32(8)()).not.toBe(mulberry32(7)());
  });

  it('gives the same tape for the same seed and a different one for another seed', () => {
    const run = (seed: number) => {
      const m = market({ seed, spikeProbability: 0.01 });
      return Array.from({ length: 2000 }, () => m.next(NOW).text);
    };
    expect(run(1)).toEqual(run(1));
    expect(run(2)).not.toEqual(run(1));
  });

  it('emits valid ticks: positive prices on the tick, bid < ask, strictly increasing seq', () => {
    const m = market({ spikeProbability: 0.05, spikePct: 60 });
    const kinds = { trade: 0, quote: 0 };
    // expect() per event would make this test take seconds; collect violations instead.
    const bad: string[] = [];
    let lastSeq = 0;
    const n = 50_000;
    for (let k = 0; k < n; k++) {
      const e = m.next(NOW + k);
      const t = tick(e.text);
      const seq = Number(t.seq);
      if (t.ticker !== e.ticker || t.kind !== e.kind || t.ts !== NOW + k) bad.push(e.text);
      if (t.sector === 'Unknown' || seq !== lastSeq + 1) bad.push(e.text);
      lastSeq = seq;
      kinds[t.kind]++;
      if (t.kind === 'trade') {
        if (!onTick(t.price) || !(Number(t.price) > 0) || !(Number(t.size) > 0)) bad.push(e.text);
      } else {
        // Compared in integer cents to avoid float error.
        const spread = Math.round(Number(t.ask) * 100) - Math.round(Number(t.bid) * 100);
        if (!onTick(t.bid!) || !onTick(t.ask!) || !(Number(t.bid) > 0) || spread < 1) {
          bad.push(e.text);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(m.seq).toBe(n);
    expect(m.stats.spikes).toBeGreaterThan(0);
    expect(kinds.trade / n).toBeGreaterThan(0.37);
    expect(kinds.trade / n).toBeLessThan(0.43);
  });

  it('keeps a penny stock at one tick or more, with bid < ask', () => {
    const m = market({
      tickers: [
        { ticker: 'PENNY', sector: 'Unknown', basePrice: 0.02, volatility: 0.5, fractional: false },
      ],
      spikeProbability: 0.2,
      spikePct: 500,
    });
    const bad: string[] = [];
    let floor = 0;
    for (let k = 0; k < 5000; k++) {
      const t = tick(m.next(NOW).text);
      const price = Number(t.kind === 'trade' ? t.price : t.bid);
      if (!(price >= 0.01) || (t.kind === 'quote' && !(Number(t.ask) > price))) bad.push(t.seq);
      if (price === 0.01) floor++;
    }
    expect(bad).toEqual([]);
    expect(floor).toBeGreaterThan(0);
  });

  it('every frame of generated messages parses and normalizes', () => {
    const m = market();
    const frame = `[${Array.from({ length: 500 }, () => m.next(NOW).text).join(',')}]`;
    const parsed = simulatorAdapter.parseFrame(frame);
    expect(parsed.errors).toEqual([]);
    expect(parsed.events).toHaveLength(500);
    for (const e of parsed.events) expect(simulatorAdapter.normalize(e.payload, ctx).ok).toBe(true);
  });

  it('requestSpike makes the next event a trade at the spiked price, and the walk goes on from it', () => {
    const m = market({ spikeProbability: 0 });
    for (let k = 0; k < 500; k++) m.next(NOW);
    const before = m.price('AAPL')!;
    const req = m.requestSpike('AAPL', 12);
    expect(req.from).toBe(before);
    expect(onTick(req.to)).toBe(true);
    expect(Number(req.to)).toBeCloseTo(Number(before) * 1.12, 1);
    expect(m.stats.spikes).toBe(0);

    const e = m.next(NOW + 1);
    const t = tick(e.text);
    expect(t).toMatchObject({ ticker: 'AAPL', kind: 'trade', price: req.to });
    expect(m.lastSent('AAPL')).toEqual({ kind: 'trade', price: req.to, seq: m.seq, t: NOW + 1 });
    expect(m.stats.spikes).toBe(1);

    // The next AAPL events stay near the spiked price, not the old one.
    let next: NormalizedTick | undefined;
    while (!next) {
      const x = m.next(NOW + 2);
      if (x.ticker === 'AAPL') next = tick(x.text);
    }
    expect(Math.abs(Number(next.price) / Number(req.to) - 1)).toBeLessThan(0.02);
  });

  it('requestSpike handles falls and rejects unknown tickers and impossible falls', () => {
    const m = market();
    const down = m.requestSpike('T', -50);
    expect(Number(down.to)).toBeCloseTo(Number(down.from) / 2, 1);
    expect(() => m.requestSpike('NOPE', 5)).toThrow(RangeError);
    expect(() => m.requestSpike('T', -100)).toThrow(RangeError);
    expect(m.next(NOW).ticker).toBe('T');
  });

  it('lastSent reports the last event per ticker in normalized form', () => {
    const m = market();
    expect(m.lastSent('AAPL')).toBeNull();
    const last = new Map<string, NormalizedTick>();
    for (let k = 0; k < 5000; k++) {
      const t = tick(m.next(NOW + k).text);
      last.set(t.ticker, t);
    }
    const snapshot = m.snapshot();
    for (const [ticker, t] of last) {
      const expected =
        t.kind === 'trade'
          ? { kind: 'trade', price: t.price, seq: Number(t.seq), t: t.ts }
          : { kind: 'quote', price: t.price, bid: t.bid, ask: t.ask, seq: Number(t.seq), t: t.ts };
      expect(m.lastSent(ticker)).toEqual(expected);
      expect(snapshot[ticker]!.lastSent).toEqual(expected);
    }
  });
});
