import { findAdapter, httpPollAdapter as adapter, type PollRequest } from '../../../../lib/domain';

const RECV = 1_700_000_000_999;
const ctx = { feed: 'rest', sectors: new Map([['BTCUSDT', 'Crypto']]), recvTs: RECV };
const base = { source: 'http-poll', feed: 'rest' };

// Verbatim from the provider sample (shared/feeds/http-rest.json).
const SAMPLE = {
  binance_bookTicker:
    '{"symbol":"BTCUSDT","bidPrice":"37215.40000000","bidQty":"1.21000000","askPrice":"37215.42000000","askQty":"0.66000000"}',
  binance_price: '{"symbol":"ETHUSDT","price":"2041.17000000"}',
  binance_error: '{"code":-1121,"msg":"Invalid symbol."}',
  coinbase_ticker:
    '{"ask":"37220.15","bid":"37220.14","volume":"18211.50712213","trade_id":578112300,"price":"37220.15","size":"0.00125","time":"2023-11-14T22:13:20.123456Z","rfq_volume":"12.3"}',
  coinbase_error: '{"message":"NotFound"}',
};

const BINANCE_BOOK = 'https://api.binance.com/api/v3/ticker/bookTicker?symbol=BTCUSDT';
const BINANCE_PRICE = 'https://api.binance.com/api/v3/ticker/price';
const COINBASE: PollRequest = {
  url: 'https://api.exchange.coinbase.com/products/BTC-USD/ticker',
  symbol: 'BTC-USD',
};

function events(body: string, request?: PollRequest) {
  return adapter.parseFrame(body, request).events.map((e) => ({
    sourceId: e.sourceId,
    payload: JSON.parse(e.payload) as unknown,
    result: adapter.normalize(e.payload, ctx),
  }));
}

describe('http-poll adapter: sample bodies', () => {
  it('reads a Binance bookTicker as a mid quote at the receive time, keyed by content', () => {
    const id = '~BTCUSDT|bt|37215.40000000|1.21000000|37215.42000000|0.66000000';
    expect(events(SAMPLE.binance_bookTicker, { url: BINANCE_BOOK })).toEqual([
      {
        sourceId: id,
        payload: { symbol: null, url: BINANCE_BOOK, body: JSON.parse(SAMPLE.binance_bookTicker) },
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
            seq: id,
          },
        },
      },
    ]);
  });

  it('reads a Binance price as a trade without size', () => {
    expect(events(SAMPLE.binance_price, { url: `${BINANCE_PRICE}?symbol=ETHUSDT` })).toEqual([
      {
        sourceId: '~ETHUSDT|p|2041.17000000',
        payload: expect.objectContaining({ body: JSON.parse(SAMPLE.binance_price) }),
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'ETHUSDT',
            kind: 'trade',
            price: '2041.17',
            ts: RECV,
            sector: 'Unknown',
            seq: '~ETHUSDT|p|2041.17000000',
          },
        },
      },
    ]);
  });

  it('reads a Coinbase ticker as a trade with bid and ask, its symbol from the request', () => {
    expect(events(SAMPLE.coinbase_ticker, COINBASE)).toEqual([
      {
        sourceId: 'BTC-USD:t:578112300',
        payload: { symbol: 'BTC-USD', url: COINBASE.url, body: JSON.parse(SAMPLE.coinbase_ticker) },
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'BTC-USD',
            kind: 'trade',
            price: '37220.15',
            size: '0.00125',
            bid: '37220.14',
            ask: '37220.15',
            ts: 1700000000123,
            sector: 'Unknown',
            seq: 'BTC-USD:t:578112300',
          },
        },
      },
    ]);
  });

  it('turns provider error bodies into error controls, not data', () => {
    expect(adapter.parseFrame(SAMPLE.binance_error, { url: BINANCE_BOOK })).toEqual({
      events: [],
      controls: [{ kind: 'error', message: '-1121 Invalid symbol.' }],
      errors: [],
    });
    expect(adapter.parseFrame(SAMPLE.coinbase_error, COINBASE)).toEqual({
      events: [],
      controls: [{ kind: 'error', message: 'NotFound' }],
      errors: [],
    });
  });
});

describe('http-poll adapter: edge cases', () => {
  it('splits an array answer (no symbol asked) into one event per ticker', () => {
    const body = `[${SAMPLE.binance_price},{"symbol":"BTCUSDT","price":"37215.42"}]`;
    expect(events(body, { url: BINANCE_PRICE }).map((e) => [e.sourceId, e.result.ok])).toEqual([
      ['~ETHUSDT|p|2041.17000000', true],
      ['~BTCUSDT|p|37215.42', true],
    ]);
  });

  it('repeats the id of an unchanged ticker and changes it when the book moves', () => {
    const [a] = events(SAMPLE.binance_bookTicker);
    const [b] = events(SAMPLE.binance_bookTicker);
    const [c] = events(SAMPLE.binance_bookTicker.replace('1.21000000', '1.2'));
    expect(b!.sourceId).toBe(a!.sourceId);
    expect(c!.sourceId).not.toBe(a!.sourceId);
  });

  it('dead-letters a Coinbase ticker polled without a symbol', () => {
    expect(events(SAMPLE.coinbase_ticker, { url: COINBASE.url })).toEqual([
      {
        sourceId: '',
        payload: expect.objectContaining({ symbol: null }),
        result: { ok: false, reason: 'missing request symbol' },
      },
    ]);
    expect(events(SAMPLE.coinbase_ticker)[0]!.payload).toMatchObject({ symbol: null, url: null });
  });

  it.each([
    [
      '{"symbol":"BTCUSDT","bidPrice":"0","bidQty":"1","askPrice":"1","askQty":"1"}',
      'invalid bid bidPrice: "0" (must be positive)',
    ],
    ['{"symbol":"BTCUSDT","bidPrice":"1","bidQty":"1","askPrice":"1"}', 'missing ask size askQty'],
    ['{"symbol":"","price":"1"}', 'invalid symbol: ""'],
    ['{"symbol":"ETHUSDT","price":"-1"}', 'invalid price: "-1" (must be positive)'],
    [
      '{"trade_id":1,"price":"1","size":"1","bid":"1","ask":"1","time":"yesterday"}',
      'invalid time: "yesterday"',
    ],
    [
      '{"trade_id":1,"price":"1","size":"-1","bid":"1","ask":"1","time":"2023-11-14T22:13:20Z"}',
      'invalid size: "-1" (must not be negative)',
    ],
    ['{"volume":"1"}', 'unrecognised ticker body with keys volume'],
  ])('rejects %s', (body, reason) => {
    const [e] = events(body, { url: 'u', symbol: 'BTC-USD' });
    expect(e!.result).toEqual({ ok: false, reason });
  });

  it('rejects payloads that are not envelopes', () => {
    expect(adapter.normalize('{"symbol":"X","price":"1"}', ctx)).toEqual({
      ok: false,
      reason: 'not an http-poll envelope {symbol, url, body}',
    });
    expect(adapter.normalize('{"symbol":null,"url":null,"body":[1]}', ctx)).toEqual({
      ok: false,
      reason: 'body is not an object',
    });
    expect(adapter.normalize('nope', ctx)).toMatchObject({ ok: false });
  });

  it('keeps unknown bodies as events and unparseable bodies as errors', () => {
    expect(adapter.parseFrame('"maintenance"', { url: 'u' }).events).toEqual([
      { sourceId: '', payload: '{"symbol":null,"url":"u","body":"maintenance"}' },
    ]);
    expect(adapter.parseFrame('<html>502</html>', { url: 'u' })).toEqual({
      events: [],
      controls: [],
      errors: [{ reason: expect.stringMatching(/^invalid JSON/), payload: '<html>502</html>' }],
    });
  });

  it('makes one request per symbol for a URL with a {symbol} slot, else one', () => {
    const url = 'https://api.exchange.coinbase.com/products/{symbol}/ticker';
    expect(adapter.pollRequests!(url, { symbols: ['BTC-USD', 'A/B'] })).toEqual([
      { url: 'https://api.exchange.coinbase.com/products/BTC-USD/ticker', symbol: 'BTC-USD' },
      { url: 'https://api.exchange.coinbase.com/products/A%2FB/ticker', symbol: 'A/B' },
    ]);
    expect(adapter.pollRequests!(url, {})).toEqual([]);
    expect(adapter.pollRequests!(BINANCE_PRICE, { symbols: ['BTCUSDT'] })).toEqual([
      { url: BINANCE_PRICE },
    ]);
    expect(adapter.openingMessages({})).toEqual([]);
    expect(adapter.transport).toBe('http');
    expect(findAdapter('http-poll')).toBe(adapter);
  });
});
