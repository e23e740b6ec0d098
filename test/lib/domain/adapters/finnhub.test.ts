import { findAdapter, finnhubAdapter as adapter } from '../../../../lib/domain';

const ctx = { feed: 'fh', sectors: new Map([['AAPL', 'Technology']]), recvTs: 1 };
const base = { source: 'finnhub', feed: 'fh', kind: 'trade' };

// Verbatim from the provider sample (shared/feeds/finnhub.ndjson).
const SAMPLE = [
  '{"type":"ping"}',
  '{"data":[{"c":null,"p":189.71,"s":"AAPL","t":1700000000500,"v":100},{"c":["1","12"],"p":189.72,"s":"AAPL","t":1700000000510,"v":25}],"type":"trade"}',
  '{"data":[{"p":37215.01,"s":"BINANCE:BTCUSDT","t":1700000000600,"v":0.011467}],"type":"trade"}',
  '{"type":"error","msg":"Subscribing to too many symbols"}',
  '{"data":[{"p":-1,"s":"MSFT","t":1700000000700,"v":10}],"type":"trade"}',
];

function events(frame: string) {
  return adapter.parseFrame(frame).events.map((e) => ({
    sourceId: e.sourceId,
    result: adapter.normalize(e.payload, ctx),
  }));
}

describe('finnhub adapter: sample feed', () => {
  it('classifies ping and error as controls', () => {
    expect(adapter.parseFrame(SAMPLE[0]!)).toEqual({
      events: [],
      controls: [{ kind: 'ping', message: '' }],
      errors: [],
    });
    expect(adapter.parseFrame(SAMPLE[3]!)).toEqual({
      events: [],
      controls: [{ kind: 'error', message: 'Subscribing to too many symbols' }],
      errors: [],
    });
  });

  it('splits a trade frame into one event per element, keyed by content', () => {
    const out = adapter.parseFrame(SAMPLE[1]!);
    expect(out.events.map((e) => JSON.parse(e.payload) as unknown)).toEqual(
      JSON.parse(SAMPLE[1]!).data,
    );
    expect(events(SAMPLE[1]!)).toEqual([
      {
        sourceId: '~AAPL|1700000000500|189.71|100',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'AAPL',
            price: '189.71',
            size: '100',
            ts: 1700000000500,
            sector: 'Technology',
            seq: '~AAPL|1700000000500|189.71|100',
          },
        },
      },
      {
        sourceId: '~AAPL|1700000000510|189.72|25',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'AAPL',
            price: '189.72',
            size: '25',
            ts: 1700000000510,
            sector: 'Technology',
            seq: '~AAPL|1700000000510|189.72|25',
          },
        },
      },
    ]);
  });

  it('keeps an exchange-prefixed symbol whole', () => {
    expect(events(SAMPLE[2]!)).toEqual([
      {
        sourceId: '~BINANCE:BTCUSDT|1700000000600|37215.01|0.011467',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'BINANCE:BTCUSDT',
            price: '37215.01',
            size: '0.011467',
            ts: 1700000000600,
            sector: 'Unknown',
            seq: '~BINANCE:BTCUSDT|1700000000600|37215.01|0.011467',
          },
        },
      },
    ]);
  });

  it('dead-letters a negative price', () => {
    expect(events(SAMPLE[4]!)).toEqual([
      {
        sourceId: '~MSFT|1700000000700|-1|10',
        result: { ok: false, reason: 'invalid price p: -1 (must be positive)' },
      },
    ]);
  });
});

describe('finnhub adapter: edge cases', () => {
  it('gives a resent trade the same sourceId and uppercases the symbol', () => {
    const a = events('{"type":"trade","data":[{"p":1.5,"s":"aapl","t":1700000000000,"v":0}]}');
    const b = events('{"type":"trade","data":[{"s":"aapl","v":0,"t":1700000000000,"p":1.50}]}');
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({
      sourceId: '~AAPL|1700000000000|1.5|0',
      result: { ok: true, tick: { ticker: 'AAPL', size: '0' } },
    });
  });

  it('keeps the good elements of a batch with a bad one', () => {
    const out = events(
      '{"type":"trade","data":[{"p":1,"s":"A","t":1700000000000,"v":1},7,{"s":"B","t":1700000000000,"v":1}]}',
    );
    expect(out).toEqual([
      { sourceId: '~A|1700000000000|1|1', result: expect.objectContaining({ ok: true }) },
      { sourceId: '', result: { ok: false, reason: 'not an object' } },
      { sourceId: '', result: { ok: false, reason: 'missing price p' } },
    ]);
  });

  it('writes small numbers as plain decimals', () => {
    expect(adapter.normalize('{"p":1e-7,"s":"X","t":1700000000000,"v":2.5e-8}', ctx)).toMatchObject(
      { ok: true, tick: { price: '0.0000001', size: '0.000000025' } },
    );
  });

  it.each([
    [
      '{"p":"189.71","s":"AAPL","t":1700000000000,"v":1}',
      'invalid price p: "189.71" (expected a number)',
    ],
    [
      '{"p":1,"s":"AAPL","t":1700000000,"v":1}',
      'invalid time t: 1700000000 (not ms since epoch in 2000–2099)',
    ],
    ['{"p":1,"s":"AAPL","t":1700000000000.5,"v":1}', 'invalid time t: 1700000000000.5'],
    ['{"p":1,"s":"AAPL","t":1700000000000,"v":-3}', 'invalid volume v: -3 (must not be negative)'],
    ['{"p":1,"t":1700000000000,"v":1}', 'missing symbol s'],
    ['{"type":"trade","data":"nope"}', 'trade message without a data array'],
    ['{"type":"news"}', 'unknown message type "news"'],
  ])('rejects %s', (payload, reason) => {
    expect(adapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('keeps unknown messages as events and a broken frame as an error', () => {
    expect(adapter.parseFrame('{"type":"news"}').events).toEqual([
      { sourceId: '', payload: '{"type":"news"}' },
    ]);
    expect(adapter.parseFrame('{"type":"trade","data":"nope"}').events).toHaveLength(1);
    expect(adapter.parseFrame('{"data":[').errors).toEqual([
      { reason: expect.stringMatching(/^invalid JSON/), payload: '{"data":[' },
    ]);
  });

  it('adds the token to the URL, URL-encoded, keeping the query', () => {
    const credentials = { token: 'a b&c' };
    expect(adapter.connectUrl!('wss://ws.finnhub.io', { credentials })).toBe(
      'wss://ws.finnhub.io/?token=a+b%26c',
    );
    expect(adapter.connectUrl!('wss://ws.finnhub.io/?x=1', { credentials: { token: 't' } })).toBe(
      'wss://ws.finnhub.io/?x=1&token=t',
    );
    expect(
      adapter.connectUrl!('wss://ws.finnhub.io?token=old', { credentials: { token: 'new' } }),
    ).toBe('wss://ws.finnhub.io/?token=new');
    expect(adapter.connectUrl!('wss://ws.finnhub.io', {})).toBe('wss://ws.finnhub.io');
    expect(adapter.connectUrl!('not a url?x=1', { credentials })).toBe(
      'not a url?x=1&token=a%20b%26c',
    );
  });

  it('subscribes to each symbol as given', () => {
    expect(adapter.openingMessages({})).toEqual([]);
    expect(adapter.openingMessages({ symbols: ['AAPL', 'BINANCE:BTCUSDT'] })).toEqual([
      '{"type":"subscribe","symbol":"AAPL"}',
      '{"type":"subscribe","symbol":"BINANCE:BTCUSDT"}',
    ]);
    expect(findAdapter('finnhub')).toBe(adapter);
  });
});
