import writtenBefore from '../../../fixtures/anomaly-state-v2.json';
import {
  detect,
  detectStale,
  encodeState,
  parseState,
  type Anomaly,
  type WindowState,
} from '../../../../lib/domain';
import { L, T0, params, randomTicks, tick } from './ticks';

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
      viaJson.set(t.ticker, encodeState(s!));
    }
    expect(a.length).toBeGreaterThan(50);
    expect(b).toEqual(a);
    for (const [ticker, s] of inMemory) expect(viaJson.get(ticker)).toBe(encodeState(s!));
  });

  it('converts a state written before rolling sums (p, id, t, r)', () => {
    const legacy = JSON.stringify({ p: 100, id: '9-0', t: T0 + 9, r: [L, -L, L, -L] });
    const state = parseState(legacy)!;
    expect(state).toEqual({
      lastPrice: 100,
      lastTradeId: '9-0',
      newestTs: T0 + 9,
      newestId: '9-0',
      newestPrice: '100',
      sector: '',
      staleReported: false,
      returns: {
        values: [L, -L, L, -L],
        head: 0,
        mean: 0,
        m2: expect.closeTo(4 * L * L, 18) as number,
        sinceExact: 0,
      },
      sizes: { values: [], head: 0, mean: 0, m2: 0, sinceExact: 0 },
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
    expect([
      ...long.returns.values.slice(long.returns.head),
      ...long.returns.values.slice(0, long.returns.head),
    ]).toEqual([4, 5, 6, 0]);
  });

  it('starts afresh on JSON it does not recognise, and throws on text that is not JSON', () => {
    for (const json of ['{}', '[]', 'null', '7', '{"v":3}', '{"p":"x","id":"1","t":1,"r":[]}'])
      expect(parseState(json)).toBeUndefined();
    expect(parseState('{"v":2,"p":1}')).toBeUndefined();
    expect(parseState('{"p":1,"id":"1-0","t":1,"r":[null]}')).toBeUndefined();
    expect(() => parseState('{not json')).toThrow(SyntaxError);
  });
});

describe('stored state codec', () => {
  it('reads the compact stored JSON into readable fields and writes it back byte for byte', () => {
    const stored =
      '{"v":2,"p":101.5,"id":"5-0","t":1700000000006,"e":"6-0","x":"101.6","g":"Energy","s":1,' +
      '"r":{"b":[0.01,-0.02,0.005],"h":1,"m":-0.0016666666666666668,"m2":0.00045,"c":2},' +
      '"q":{"b":[],"h":0,"m":0,"m2":0,"c":0}}';
    const state = parseState(stored)!;
    expect(state).toEqual({
      lastPrice: 101.5,
      lastTradeId: '5-0',
      newestTs: 1_700_000_000_006,
      newestId: '6-0',
      newestPrice: '101.6',
      sector: 'Energy',
      staleReported: true,
      returns: {
        values: [0.01, -0.02, 0.005],
        head: 1,
        mean: -0.0016666666666666668,
        m2: 0.00045,
        sinceExact: 2,
      },
      sizes: { values: [], head: 0, mean: 0, m2: 0, sinceExact: 0 },
    });
    expect(encodeState(state)).toBe(stored);
  });

  it('writes a converted version-1 state as version 2', () => {
    const state = parseState('{"p":2.5,"id":"3-0","t":3,"r":[1,1]}')!;
    expect(encodeState(state)).toBe(
      '{"v":2,"p":2.5,"id":"3-0","t":3,"e":"3-0","x":"2.5","g":"","s":0,' +
        '"r":{"b":[1,1],"h":0,"m":1,"m2":0,"c":0},"q":{"b":[],"h":0,"m":0,"m2":0,"c":0}}',
    );
  });

  it('reads and writes exactly what the code before the readable names stored', () => {
    // Written by lib/domain/anomaly.ts before the split (JSON.stringify of its compact state)
    // after randomTicks(500, 7) and a stale check at T0 + 1498, which marks CCC only.
    const fixture = writtenBefore as { stale: string[]; states: Record<string, string> };
    for (const json of Object.values(fixture.states)) {
      expect(encodeState(parseState(json)!)).toBe(json);
    }
    const p = { ...params, window: 20, zThreshold: 2.5, volumeZThreshold: 1.5 };
    const states = new Map<string, WindowState>();
    for (const t of randomTicks(500, 7))
      states.set(t.ticker, detect(states.get(t.ticker), t, p, [])!);
    expect(detectStale(states, T0 + 1498, p).map((a) => a.ticker)).toEqual(fixture.stale);
    const written = Object.fromEntries([...states].sort().map(([k, s]) => [k, encodeState(s)]));
    expect(written).toEqual(fixture.states);
  });
});
