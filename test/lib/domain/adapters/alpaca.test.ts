import { alpacaAdapter as adapter, findAdapter } from '../../../../lib/domain';

const ctx = { feed: 'ap', sectors: new Map([['AAPL', 'Technology']]), recvTs: 1 };
const base = { source: 'alpaca', feed: 'ap' };

// Verbatim from the provider sample (shared/feeds/alpaca.ndjson).
const SAMPLE = [
  '[{"T":"success","msg":"connected"}]',
  '[{"T":"success","msg":"authenticated"}]',
  '[{"T":"subscription","trades":["AAPL","MSFT"],"quotes":["AAPL"],"bars":[]}]',
  '[{"T":"t","i":96921,"S":"AAPL","x":"V","p":189.71,"s":100,"t":"2023-11-14T15:51:44.208123456Z","c":["@"],"z":"C"},{"T":"q","S":"AAPL","bx":"V","bp":189.70,"bs":3,"ax":"V","ap":189.72,"as":4,"t":"2023-11-14T15:51:44.335689322Z","c":["R"],"z":"C"}]',
  '[{"T":"t","i":96922,"S":"MSFT","x":"V","p":369.67,"s":50,"t":"2023-11-14T15:51:44.401000000Z","c":["@","I"],"z":"C"}]',
  '[{"T":"error","code":406,"msg":"connection limit exceeded"}]',
];

function events(frame: string) {
  return adapter.parseFrame(frame).events.map((e) => ({
    sourceId: e.sourceId,
    result: adapter.normalize(e.payload, ctx),
  }));
}

describe('alpaca adapter: sample feed', () => {
  it('classifies the handshake, subscription and error messages as controls', () => {
    const controls = [0, 1, 2, 5].map((i) => adapter.parseFrame(SAMPLE[i]!));
    for (const c of controls) expect(c.events).toEqual([]);
    expect(controls.map((c) => c.controls)).toEqual([
      [{ kind: 'connected', message: 'connected' }],
      [{ kind: 'authenticated', message: 'authenticated' }],
      [{ kind: 'subscribed', message: 'trades: AAPL,MSFT; quotes: AAPL' }],
      [{ kind: 'error', message: '406 connection limit exceeded' }],
    ]);
  });

  it('splits a frame into a trade and a quote, times truncated to the ms', () => {
    const out = adapter.parseFrame(SAMPLE[3]!);
    // The payload keeps the nanosecond time string.
    expect(JSON.parse(out.events[1]!.payload)).toMatchObject({
      t: '2023-11-14T15:51:44.335689322Z',
    });
    expect(events(SAMPLE[3]!)).toEqual([
      {
        sourceId: 'AAPL:t:96921',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'AAPL',
            kind: 'trade',
            price: '189.71',
            size: '100',
            ts: 1699977104208,
            sector: 'Technology',
            seq: 'AAPL:t:96921',
          },
        },
      },
      {
        sourceId: '~AAPL|q|2023-11-14T15:51:44.335689322Z|189.7|3|189.72|4',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'AAPL',
            kind: 'quote',
            price: '189.71',
            bid: '189.7',
            ask: '189.72',
            ts: 1699977104335,
            sector: 'Technology',
            seq: '~AAPL|q|2023-11-14T15:51:44.335689322Z|189.7|3|189.72|4',
          },
        },
      },
    ]);
    expect(events(SAMPLE[4]!)).toEqual([
      {
        sourceId: 'MSFT:t:96922',
        result: {
          ok: true,
          tick: {
            ...base,
            ticker: 'MSFT',
            kind: 'trade',
            price: '369.67',
            size: '50',
            ts: 1699977104401,
            sector: 'Unknown',
            seq: 'MSFT:t:96922',
          },
        },
      },
    ]);
  });
});

describe('alpaca adapter: edge cases', () => {
  it.each([
    [401, 'auth_failed'],
    [402, 'auth_failed'],
    [403, 'error'],
    [404, 'auth_failed'],
    [405, 'error'],
    [406, 'error'],
    [409, 'auth_failed'],
    [500, 'error'],
  ])('classifies error code %i as %s', (code, kind) => {
    expect(adapter.parseFrame(`[{"T":"error","code":${code},"msg":"m"}]`).controls).toEqual([
      { kind, message: `${code} m` },
    ]);
  });

  it('tells quotes apart by time to the ns, and a resent quote keeps its key', () => {
    const q = (t: string) => `[{"T":"q","S":"AAPL","bp":1,"bs":1,"ap":2,"as":1,"t":"${t}"}]`;
    const a = adapter.parseFrame(q('2023-11-14T15:51:44.335689322Z')).events[0]!.sourceId;
    const b = adapter.parseFrame(q('2023-11-14T15:51:44.335689323Z')).events[0]!.sourceId;
    const again = adapter.parseFrame(q('2023-11-14T15:51:44.335689322Z')).events[0]!.sourceId;
    expect(a).not.toBe(b);
    expect(again).toBe(a);
  });

  it('keeps the good messages of a batch with bad ones, and unknown types as events', () => {
    const out = adapter.parseFrame(
      '[{"T":"b","S":"AAPL"},{"T":"t","S":"AAPL","p":1,"s":1,"t":"2023-11-14T15:51:44Z"},{"T":"t","i":5,"S":"AAPL","p":2,"s":1,"t":"2023-11-14T15:51:44Z"},null]',
    );
    expect(out.controls).toEqual([]);
    expect(out.events.map((e) => [e.sourceId, adapter.normalize(e.payload, ctx)])).toEqual([
      ['', { ok: false, reason: 'unknown message type "b"' }],
      ['', { ok: false, reason: 'missing trade id i' }],
      ['AAPL:t:5', expect.objectContaining({ ok: true })],
      ['', { ok: false, reason: 'not an object' }],
    ]);
  });

  it.each([
    [
      '{"T":"t","i":1,"S":"AAPL","p":0,"s":1,"t":"2023-11-14T15:51:44Z"}',
      'invalid price p: 0 (must be positive)',
    ],
    [
      '{"T":"t","i":1,"S":"AAPL","p":1,"s":-1,"t":"2023-11-14T15:51:44Z"}',
      'invalid size s: -1 (must not be negative)',
    ],
    [
      '{"T":"t","i":1,"S":"AAPL","p":1,"s":1,"t":"2023-11-14T25:51:44Z"}',
      'invalid time t: "2023-11-14T25:51:44Z"',
    ],
    ['{"T":"t","i":1,"S":"AAPL","p":1,"s":1}', 'missing time t'],
    [
      '{"T":"q","S":"AAPL","bp":0,"bs":1,"ap":1,"as":1,"t":"2023-11-14T15:51:44Z"}',
      'invalid bid bp: 0 (must be positive)',
    ],
    ['{"T":"q","S":"AAPL","bp":1,"bs":1,"ap":1,"t":"2023-11-14T15:51:44Z"}', 'missing ask size as'],
    [
      '{"T":"q","S":"","bp":1,"bs":1,"ap":1,"as":1,"t":"2023-11-14T15:51:44Z"}',
      'invalid symbol S: ""',
    ],
  ])('rejects %s', (payload, reason) => {
    expect(adapter.normalize(payload, ctx)).toEqual({ ok: false, reason });
  });

  it('accepts a crossed quote and a lone object frame', () => {
    const out = adapter.parseFrame(
      '{"T":"q","S":"AAPL","bp":2,"bs":1,"ap":1,"as":1,"t":"2023-11-14T15:51:44.1Z"}',
    );
    expect(adapter.normalize(out.events[0]!.payload, ctx)).toMatchObject({
      ok: true,
      tick: { price: '1.5', bid: '2', ask: '1', ts: 1699977104100 },
    });
    expect(adapter.parseFrame('[{"T":"t",').errors).toHaveLength(1);
  });

  it('authenticates first and subscribes after authentication', () => {
    expect(adapter.openingMessages({ credentials: { key: 'K', secret: 'S' } })).toEqual([
      '{"action":"auth","key":"K","secret":"S"}',
    ]);
    expect(adapter.openingMessages({})).toEqual(['{"action":"auth","key":"","secret":""}']);
    expect(adapter.afterAuthMessages!({})).toEqual([]);
    expect(JSON.parse(adapter.afterAuthMessages!({ symbols: ['AAPL', 'MSFT'] })[0]!)).toEqual({
      action: 'subscribe',
      trades: ['AAPL', 'MSFT'],
      quotes: ['AAPL', 'MSFT'],
    });
    expect(findAdapter('alpaca')).toBe(adapter);
  });
});
