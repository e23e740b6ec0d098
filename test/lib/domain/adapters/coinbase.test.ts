import { coinbaseAdapter as adapter, findAdapter } from '../../../../lib/domain';

const ctx = { feed: 'cb', sectors: new Map([['BTC-USD', 'Crypto']]), recvTs: 1 };
const base = { source: 'coinbase', feed: 'cb' };

// Verbatim from the provider sample (shared/feeds/coinbase.ndjson).
const SAMPLE = [
  '{"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD","ETH-USD"]},{"name":"matches","product_ids":["BTC-USD"]}]}',
  '{"type":"ticker","sequence":70521318211,"product_id":"BTC-USD","price":"37220.15","open_24h":"36512.01","volume_24h":"18211.50712213","low_24h":"36401.00","high_24h":"37450.00","volume_30d":"412098.11112123","best_bid":"37220.14","best_bid_size":"0.05000000","best_ask":"37220.15","best_ask_size":"0.31200000","side":"buy","time":"2023-11-14T22:13:20.123456Z","trade_id":578112300,"last_size":"0.00125"}',
  '{"type":"match","trade_id":578112301,"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8","taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","side":"sell","size":"0.02000000","price":"37220.14","product_id":"BTC-USD","sequence":70521318215,"time":"2023-11-14T22:13:20.223456Z"}',
  '{"type":"heartbeat","sequence":70521318216,"last_trade_id":578112301,"product_id":"BTC-USD","time":"2023-11-14T22:13:21.000000Z"}',
  '{"type":"ticker","sequence":11802200001,"product_id":"ETH-USD","price":"2041.50","best_bid":"2041.49","best_ask":"2041.50","side":"sell","time":"2023-11-14T22:13:21.500001Z","trade_id":431100002,"last_size":"0.5"}',
  '{"type":"error","message":"Failed to subscribe","reason":"FOO-USD is not a valid product"}',
  '{"type":"ticker","product_id":"BTC-USD","price":"","time":"2023-11-14T22:13:22.000000Z"}',
];

function events(frame: string) {
  return adapter.parseFrame(frame).events.map((e) => ({
    sourceId: e.sourceId,
    result: adapter.normalize(e.payload, ctx),
  }));
}

describe('coinbase adapter: sample feed', () => {
  it('classifies subscriptions, heartbeat and error as controls, never events', () => {
    const controls = [SAMPLE[0]!, SAMPLE[3]!, SAMPLE[5]!].map((f) => adapter.parseFrame(f));
    for (const c of controls) expect(c.events).toEqual([]);
    expect(controls.map((c) => c.controls)).toEqual([
      [{ kind: 'subscribed', message: 'ticker: BTC-USD,ETH-USD; matches: BTC-USD' }],
      [{ kind: 'heartbeat', message: 'BTC-USD last_trade_id 578112301' }],
      [{ kind: 'error', message: 'Failed to subscribe: FOO-USD is not a valid product' }],
    ]);
  });

  it('turns a ticker into a mid quote with the last size, time to the ms (UTC)', () => {
    expect(events(SAMPLE[1]!)).toEqual([
      {
        sourceId: 'BTC-USD:s:70521318211',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'BTC-USD',
            kind: 'quote',
            price: '37220.145',
            bid: '37220.14',
            ask: '37220.15',
            size: '0.00125',
            ts: 1700000000123,
            sector: 'Crypto',
            seq: 'BTC-USD:s:70521318211',
          },
        },
      },
    ]);
    expect(events(SAMPLE[4]!)).toEqual([
      {
        sourceId: 'ETH-USD:s:11802200001',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'ETH-USD',
            kind: 'quote',
            price: '2041.495',
            bid: '2041.49',
            ask: '2041.5',
            size: '0.5',
            ts: 1700000001500,
            sector: 'Unknown',
            seq: 'ETH-USD:s:11802200001',
          },
        },
      },
    ]);
  });

  it('turns a match into a trade keyed by trade id', () => {
    expect(events(SAMPLE[2]!)).toEqual([
      {
        sourceId: 'BTC-USD:m:578112301',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'BTC-USD',
            kind: 'trade',
            price: '37220.14',
            size: '0.02',
            ts: 1700000000223,
            sector: 'Crypto',
            seq: 'BTC-USD:m:578112301',
          },
        },
      },
    ]);
  });

  it('keeps a ticker without sequence or book as an event, and dead-letters it', () => {
    expect(events(SAMPLE[6]!)).toEqual([
      { sourceId: '', result: { ok: false, reason: 'missing sequence' } },
    ]);
  });
});

describe('coinbase adapter: edge cases', () => {
  const match = (fields: Record<string, unknown>) =>
    JSON.stringify({
      type: 'match',
      trade_id: 7,
      product_id: 'BTC-USD',
      price: '10.50',
      size: '1',
      time: '2023-11-14T22:13:20.999999Z',
      ...fields,
    });
  const ticker = (fields: Record<string, unknown>) =>
    JSON.stringify({
      type: 'ticker',
      sequence: 9,
      product_id: 'BTC-USD',
      best_bid: '10',
      best_ask: '11',
      time: '2023-11-14T22:13:20Z',
      ...fields,
    });

  it('reads last_match like match and gives a resent trade the same sourceId', () => {
    const a = events(match({ type: 'last_match' }));
    const b = events(match({ sequence: 123 }));
    expect(a[0]!.sourceId).toBe('BTC-USD:m:7');
    expect(b[0]!.sourceId).toBe('BTC-USD:m:7');
    expect(a[0]!.result).toEqual(b[0]!.result);
    expect(a[0]!.result).toMatchObject({ ok: true, tick: { kind: 'trade', ts: 1700000000999 } });
  });

  it('drops an unreadable last_size from a ticker instead of rejecting the quote', () => {
    for (const last_size of ['', '-1', 5, undefined]) {
      const out = adapter.normalize(ticker({ last_size }), ctx);
      expect(out.ok).toBe(true);
      expect(out.ok && 'size' in out.tick).toBe(false);
    }
    expect(adapter.normalize(ticker({ best_bid: '12' }), ctx)).toMatchObject({
      ok: true,
      tick: { bid: '12', ask: '11', price: '11.5' },
    });
  });

  it('honours a time offset and keeps whole milliseconds', () => {
    expect(adapter.normalize(match({ time: '2023-11-15T00:13:20.1239+02:00' }), ctx)).toMatchObject(
      {
        ok: true,
        tick: { ts: 1700000000123 },
      },
    );
  });

  it.each([
    [match({ product_id: undefined }), 'missing symbol product_id'],
    [match({ trade_id: undefined }), 'missing trade id trade_id'],
    [match({ time: '2023-11-14 22:13' }), 'invalid time: "2023-11-14 22:13"'],
    [match({ time: '2023-02-30T00:00:00Z' }), 'invalid time: "2023-02-30T00:00:00Z"'],
    [match({ time: 1700000000000 }), 'invalid time: 1700000000000'],
    [match({ price: '0.000' }), 'invalid price: "0.000" (must be positive)'],
    [match({ size: '-2' }), 'invalid size: "-2" (must not be negative)'],
    [match({ price: 10.5 }), 'invalid price: 10.5 (expected a string)'],
    [ticker({ best_bid: '' }), 'invalid bid best_bid: ""'],
    [ticker({ best_ask: undefined }), 'missing ask best_ask'],
    ['{"type":"l2update","product_id":"BTC-USD"}', 'unknown message type "l2update"'],
    ['{"product_id":"BTC-USD"}', 'missing message type type'],
    ['"x"', 'not an object'],
  ])('rejects %s', (payload, reason) => {
    expect(adapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('keeps unknown messages and unparseable frames for the dead-letter stream', () => {
    const frame = '{"type":"status","products":[]}';
    expect(adapter.parseFrame(frame)).toEqual({
      events: [{ sourceId: '', payload: frame }],
      controls: [],
      errors: [],
    });
    expect(adapter.parseFrame('{"type":').errors).toEqual([
      { reason: expect.stringMatching(/^invalid JSON/), payload: '{"type":' },
    ]);
  });

  it('subscribes to ticker, matches and heartbeat for the given products', () => {
    expect(adapter.openingMessages({})).toEqual([]);
    expect(JSON.parse(adapter.openingMessages({ symbols: ['BTC-USD', 'ETH-USD'] })[0]!)).toEqual({
      type: 'subscribe',
      product_ids: ['BTC-USD', 'ETH-USD'],
      channels: ['ticker', 'matches', 'heartbeat'],
    });
    expect(findAdapter('coinbase')).toBe(adapter);
  });
});
