import { loadConfig } from '../../../../lib/config';
import { binanceAdapter as adapter, findAdapter, normalizeRaw } from '../../../../lib/domain';

const RECV = 1_700_000_000_999;
const ctx = { feed: 'bn', sectors: new Map([['BTCUSDT', 'Crypto']]), recvTs: RECV };

// Verbatim from the provider samples (shared/feeds/binance-trade.ndjson, binance-bookticker.ndjson).
const TRADES = [
  '{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":3280991001,"p":"37215.42000000","q":"0.01250000","T":1700000000120,"m":false,"M":true}',
  '{"e":"trade","E":1700000000125,"s":"BTCUSDT","t":3280991002,"p":"37215.41000000","q":"0.20000000","T":1700000000121,"m":true,"M":true}',
  '{"stream":"ethusdt@trade","data":{"e":"trade","E":1700000000130,"s":"ETHUSDT","t":1240011876,"p":"2041.17000000","q":"1.52340000","T":1700000000128,"m":false,"M":true}}',
  '{"e":"trade","E":1700000000140,"s":"BTCUSDT","t":3280991002,"p":"37215.41000000","q":"0.20000000","T":1700000000121,"m":true,"M":true}',
  '{"e":"trade","E":1700000000150,"s":"BTCUSDT","t":3280991003,"p":"not-a-number","q":"0.1","T":1700000000149,"m":false,"M":true}',
  '{"result":null,"id":1}',
  '{"e":"trade","E":1700000000160',
];
const BOOK = [
  '{"u":40090021712,"s":"BTCUSDT","b":"37215.40000000","B":"1.21000000","a":"37215.42000000","A":"0.66000000"}',
  '{"stream":"ethusdt@bookTicker","data":{"u":1988776511,"s":"ETHUSDT","b":"2041.16000000","B":"12.50000000","a":"2041.17000000","A":"3.10000000"}}',
  '{"u":40090021713,"s":"BTCUSDT","b":"37215.50000000","B":"1.00000000","a":"37215.45000000","A":"0.50000000"}',
];

const base = { source: 'binance', feed: 'bn' };

/** Parses a frame and normalizes its one event. */
function one(frame: string) {
  const out = adapter.parseFrame(frame);
  expect(out.events).toHaveLength(1);
  const e = out.events[0]!;
  return { sourceId: e.sourceId, payload: e.payload, result: adapter.normalize(e.payload, ctx) };
}

describe('binance adapter: trade stream sample', () => {
  it('normalizes raw and combined trade frames exactly', () => {
    expect(one(TRADES[0]!)).toEqual({
      sourceId: 'BTCUSDT:t:3280991001',
      payload: TRADES[0],
      result: {
        ok: true,
        tick: {
          ...base,
          ticker: 'BTCUSDT',
          kind: 'trade',
          price: '37215.42',
          size: '0.0125',
          ts: 1700000000120,
          sector: 'Crypto',
          seq: 'BTCUSDT:t:3280991001',
        },
      },
    });
    expect(one(TRADES[1]!).result).toEqual({
      ok: true,
      tick: {
        ...base,
        ticker: 'BTCUSDT',
        kind: 'trade',
        price: '37215.41',
        size: '0.2',
        ts: 1700000000121,
        sector: 'Crypto',
        seq: 'BTCUSDT:t:3280991002',
      },
    });
    const combined = one(TRADES[2]!);
    // The combined wrapper is cut away: the payload is the event itself.
    expect(JSON.parse(combined.payload)).toEqual(JSON.parse(TRADES[2]!).data);
    expect(combined).toMatchObject({ sourceId: 'ETHUSDT:t:1240011876' });
    expect(combined.result).toEqual({
      ok: true,
      tick: {
        ...base,
        ticker: 'ETHUSDT',
        kind: 'trade',
        price: '2041.17',
        size: '1.5234',
        ts: 1700000000128,
        sector: 'Unknown',
        seq: 'ETHUSDT:t:1240011876',
      },
    });
  });

  it('gives a resent trade the same sourceId (the event time E differs, the trade does not)', () => {
    const first = one(TRADES[1]!);
    const again = one(TRADES[3]!);
    expect(again.sourceId).toBe(first.sourceId);
    expect(again.result).toEqual(first.result);
  });

  it('keeps a trade with a bad price as an event with its id, and dead-letters it', () => {
    expect(one(TRADES[4]!)).toMatchObject({
      sourceId: 'BTCUSDT:t:3280991003',
      result: { ok: false, reason: 'invalid price p: "not-a-number"' },
    });
  });

  it('classifies the subscribe answer as an ack and the cut frame as a parse error', () => {
    expect(adapter.parseFrame(TRADES[5]!)).toEqual({
      events: [],
      controls: [{ kind: 'ack', message: 'id 1' }],
      errors: [],
    });
    const cut = adapter.parseFrame(TRADES[6]!);
    expect(cut.events).toEqual([]);
    expect(cut.errors).toEqual([
      { reason: expect.stringMatching(/^invalid JSON: /), payload: TRADES[6] },
    ]);
  });
});

describe('binance adapter: bookTicker sample', () => {
  it('normalizes best bid/ask to an exact mid quote at the receive time', () => {
    expect(one(BOOK[0]!)).toEqual({
      sourceId: 'BTCUSDT:u:40090021712',
      payload: BOOK[0],
      result: {
        ok: true,
        tick: {
          ...base,
          ticker: 'BTCUSDT',
          kind: 'quote',
          price: '37215.41',
          bid: '37215.4',
          ask: '37215.42',
          ts: RECV,
          sector: 'Crypto',
          seq: 'BTCUSDT:u:40090021712',
        },
      },
    });
    expect(one(BOOK[1]!)).toMatchObject({
      sourceId: 'ETHUSDT:u:1988776511',
      result: {
        ok: true,
        tick: {
          ticker: 'ETHUSDT',
          kind: 'quote',
          price: '2041.165',
          bid: '2041.16',
          ask: '2041.17',
          ts: RECV,
          seq: 'ETHUSDT:u:1988776511',
        },
      },
    });
  });

  it('accepts a crossed quote (bid above ask): the anomaly detector flags it', () => {
    expect(one(BOOK[2]!).result).toEqual({
      ok: true,
      tick: {
        ...base,
        ticker: 'BTCUSDT',
        kind: 'quote',
        price: '37215.475',
        bid: '37215.5',
        ask: '37215.45',
        ts: RECV,
        sector: 'Crypto',
        seq: 'BTCUSDT:u:40090021713',
      },
    });
  });
});

describe('binance adapter: edge cases', () => {
  const trade = (fields: Record<string, unknown>) =>
    JSON.stringify({
      e: 'trade',
      s: 'BTCUSDT',
      t: 1,
      p: '1.5',
      q: '2',
      T: 1700000000000,
      ...fields,
    });

  it.each([
    [trade({ s: undefined }), 'missing symbol s'],
    [trade({ s: '' }), 'invalid symbol s: ""'],
    [trade({ t: undefined }), 'missing trade id t'],
    [trade({ t: -1 }), 'invalid trade id t: -1'],
    [trade({ T: undefined }), 'missing trade time T'],
    [trade({ T: '1700000000000' }), 'invalid trade time T: "1700000000000"'],
    [
      trade({ T: 1700000000000000 }),
      'invalid trade time T: 1700000000000000 (not ms since epoch in 2000–2099)',
    ],
    [trade({ p: '0' }), 'invalid price p: "0" (must be positive)'],
    [trade({ p: '-1.5' }), 'invalid price p: "-1.5" (must be positive)'],
    [trade({ p: 1.5 }), 'invalid price p: 1.5 (expected a string)'],
    [trade({ p: '1e3' }), 'invalid price p: "1e3"'],
    [trade({ q: '-0.1' }), 'invalid size q: "-0.1" (must not be negative)'],
    [trade({ q: undefined }), 'missing size q'],
    [
      '{"u":1,"s":"BTCUSDT","b":"0","B":"1","a":"1","A":"1"}',
      'invalid bid b: "0" (must be positive)',
    ],
    ['{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"","A":"1"}', 'invalid ask a: ""'],
    [
      '{"u":1,"s":"BTCUSDT","b":"1","B":"-1","a":"1","A":"1"}',
      'invalid bid size B: "-1" (must not be negative)',
    ],
    ['{"e":"aggTrade","s":"BTCUSDT"}', 'unknown message type "aggTrade"'],
    ['{"s":"BTCUSDT"}', 'missing message type e'],
    ['[1]', 'not an object'],
    ['{oops', expect.stringMatching(/^invalid JSON: /)],
  ])('rejects %s', (payload, reason) => {
    expect(adapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('accepts a zero-size trade, unknown keys and a lowercase symbol', () => {
    expect(adapter.normalize(trade({ q: '0', s: 'btcusdt', X: 'MARKET' }), ctx)).toMatchObject({
      ok: true,
      tick: { ticker: 'BTCUSDT', size: '0', seq: 'BTCUSDT:t:1' },
    });
  });

  it('keeps unknown events with an empty sourceId so that they are dead-lettered, not dropped', () => {
    const out = adapter.parseFrame('{"e":"aggTrade","s":"BTCUSDT","a":5}');
    expect(out.events).toEqual([{ sourceId: '', payload: '{"e":"aggTrade","s":"BTCUSDT","a":5}' }]);
    expect(adapter.parseFrame(trade({ t: undefined })).events[0]!.sourceId).toBe('');
    expect(adapter.parseFrame('42').events).toEqual([{ sourceId: '', payload: '42' }]);
  });

  it('splits array frames and combined frames carrying arrays', () => {
    const out = adapter.parseFrame(`[${TRADES[0]},${BOOK[0]}]`);
    expect(out.events.map((e) => e.sourceId)).toEqual([
      'BTCUSDT:t:3280991001',
      'BTCUSDT:u:40090021712',
    ]);
    const arr = adapter.parseFrame(`{"stream":"x","data":[${TRADES[0]},${TRADES[1]}]}`);
    expect(arr.events.map((e) => e.sourceId)).toEqual([
      'BTCUSDT:t:3280991001',
      'BTCUSDT:t:3280991002',
    ]);
  });

  it('reports an error answer to a request as an error control', () => {
    expect(
      adapter.parseFrame('{"error":{"code":2,"msg":"Invalid request"},"id":3}').controls,
    ).toEqual([{ kind: 'error', message: '2 Invalid request' }]);
  });

  it('subscribes to trade and bookTicker streams of the lowercased symbols', () => {
    expect(adapter.openingMessages({})).toEqual([]);
    expect(adapter.openingMessages({ symbols: [] })).toEqual([]);
    expect(
      adapter
        .openingMessages({ symbols: ['BTCUSDT', 'ethusdt'] })
        .map((m) => JSON.parse(m) as unknown),
    ).toEqual([
      {
        method: 'SUBSCRIBE',
        params: ['btcusdt@trade', 'btcusdt@bookTicker', 'ethusdt@trade', 'ethusdt@bookTicker'],
        id: 1,
      },
    ]);
  });

  it('is registered and reachable through normalizeRaw', () => {
    expect(findAdapter('binance')).toBe(adapter);
    expect(adapter.transport).toBe('ws');
    const out = normalizeRaw(
      { feed: 'bn', adapter: 'binance', recvTs: RECV, sourceId: '', payload: BOOK[0]! },
      { sectors: ctx.sectors, limits: loadConfig({}).normalize },
    );
    expect(out).toMatchObject({ ok: true, tick: { ts: RECV, kind: 'quote' } });
  });
});
